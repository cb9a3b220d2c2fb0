// 主管：团队看板、团队客户与改派。
export default {
  dashboard: {
    nav: '团队看板', title: '团队看板', range: '统计区间', days30: '近 30 天', days90: '近 90 天', days365: '近一年',
    rangeText: '{from} 至 {to}，共 {n} 名客户经理', customers: '客户数', coverage: '联系覆盖率',
    complaintsOpen: '未结投诉', withinSla: '投诉时限内办结率', csat: '满意度', nps: '净推荐值',
    tiers: '客户层级分布', tierText: '{tier} {n} 户', coverageTitle: '各客户经理联系覆盖率',
    coverageText: '团队整体覆盖率 {v}', slaTitle: '投诉时限（SLA）',
    slaText: '未结 {open} 件，其中超时 {breached} 件；区间内办结 {resolved} 件，时限内办结率 {rate}',
    slaOpen: '未结（未超时）', slaBreached: '已超时', slaResolvedWithin: '时限内办结',
    trendTitle: '满意度趋势', trendText: '{period}：{csat}（{n} 份答卷）', noAnswers: '区间内暂无问卷答复',
    activitiesTitle: '活动效果', invited: '邀请', accepted: '接受', attended: '到场',
    activityText: '{name}：到场 {attended}/{accepted}，到场率 {rate}', noActivities: '区间内暂无客户活动',
    plansTitle: '维护方案进度', planCompletion: '任务完成率', planText: '{name}：完成 {done}/{total} 项任务',
    noPlans: '暂无执行中的维护方案', perManager: '客户经理明细', manager: '客户经理', newCustomers: '新增客户',
    interactions: '联系次数', unassigned: '未分配',
  },
  books: {
    nav: '团队客户', title: '团队客户与改派', managers: '客户经理名下客户', unassigned: '未分配客户经理的客户：{n} 户',
    size: '{n} 户', tierCount: '{tier} {n} 户', open: '查看客户', bookOf: '{name} 名下客户', name: '客户名称',
    tier: '层级', mobile: '手机号码', since: '建档日期', select: '选择 {name}', moveTo: '改派给',
    pickManager: '选择客户经理', reason: '改派原因', move: '改派所选客户（{n} 户）', moved: '已将 {n} 户客户改派给 {to}',
  },
}
