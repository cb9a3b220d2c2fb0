// 维护方案与任务。
export default {
  plans: {
    nav: '维护方案', title: '维护方案', detail: '方案详情', new: '制定方案', allStatuses: '全部状态', filterStatus: '按状态筛选',
    none: '暂无维护方案', periodLine: '{kind}（{key}），自 {from} 起，第 {rev} 版', goalLine: '{goal}：目标 {target}',
    name: '方案名称', periodKind: '周期', periodStart: '周期内任一日', dateFormat: 'YYYY年M月D日', scope: '覆盖范围',
    scopeHint: '不填则覆盖本人（主管：团队；管理员：本机构）全部客户', tiers: '客户层级', anyTier: '不限层级', tags: '客户标签',
    tagsHint: '多个标签用逗号分隔', goals: '目标', goalType: '目标类型', target: '目标值', targetShare: '目标值（%）',
    addGoal: '添加目标', removeGoal: '删除此目标', actions: '措施', actionKind: '措施类型', perCustomer: '每位客户次数',
    addAction: '添加措施', removeAction: '删除此措施', remove: '删除', reason: '制定说明', saveDraft: '保存草稿',
    submit: '提交审批', approve: '审批通过', reject: '退回修改', close: '结束本期并评估', rejectReason: '请填写退回原因',
    done: { submit: '已提交审批', approve: '已审批通过，任务将下发给客户经理', reject: '已退回修改', close: '本期已结束并完成评估' },
    status: '状态', period: '周期', periodRange: '{kind}（{key}），自 {from} 起', revision: '版本', tagsList: '标签：{tags}',
    wholeBook: '全部客户', approvedBy: '审批人', targetIs: '目标 {v}', achieved: '已完成 {a}，预计期末 {p}',
    actionLine: '{kind}：每位客户 {n} 次', progress: '执行进度', progressLine: '截至 {asOf}，周期已过 {elapsed}，覆盖 {customers} 位客户',
    taskCompletion: '任务完成率', taskLine: '完成 {done}/{total} 项任务，逾期 {overdue} 项', deviations: '偏差提醒',
    devTimes: '{text}（{n} 项）', devTask: '{kind}任务已逾期 {days} 天', devGoal: '{goal}可能达不到目标', evaluations: '效果评估', noEvaluation: '本方案尚无评估',
    evalTitle: '{period}（第 {rev} 版）：方案客户 {customers} 位，对照客户 {comparison} 位', goal: '目标', achievedCol: '实际',
    previous: '上期', comparison: '对照组', effect: '净效果', suggestion: '建议调整 {what}：{old} → {new}',
    owner: '制定人：{who}', you: '本人',
  },
  tasks: {
    nav: '任务', title: '我的任务', filter: '按状态筛选', all: '全部', handDown: '交办任务', none: '暂无任务',
    line: '{kind} · 截止 {due} · {status}', customer: '查看客户', complete: '标记完成', completed: '任务已完成',
    handed: '任务已交办', owner: '交给', titleLabel: '任务内容', due: '截止日期', customerId: '客户编号（选填）',
    kind: '完成方式',
  },
}
