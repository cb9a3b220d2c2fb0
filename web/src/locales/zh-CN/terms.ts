// 主管、方案、关怀、活动、管理、导入各页共用的名称：层级、活动类型、状态、渠道、角色。
export default {
  terms: {
    tier: {
      standard: '普通', gold: '金卡', platinum: '白金', diamond: '钻石', private_banking: '私人银行', unassigned: '未分层',
    },
    role: { manager: '客户经理', supervisor: '主管', admin: '管理员', auditor: '审计' },
    activityType: {
      education_lecture: '客户教育讲座', vip_dinner: '专属特权活动', wealth_salon: '理财沙龙',
      thank_you_event: '答谢会', sme_seminar: '小微企业研讨会', family_event: '亲子家庭活动',
    },
    activityStatus: { planned: '筹备中', held: '已举办', evaluated: '已评估', cancelled: '已取消' },
    invitationStatus: { invited: '已邀请', accepted: '已接受', waitlisted: '候补', declined: '已婉拒' },
    channel: {
      counter: '柜面', phone: '电话', sms: '短信', email: '邮件', wechat: '微信', qq: 'QQ', social: '社交媒体',
      online_banking: '网上银行', mobile_banking: '手机银行', visit: '拜访', in_app: '应用内消息', other: '其他',
    },
    planStatus: { draft: '草稿', submitted: '待审批', approved: '执行中', closed: '已结束' },
    periodKind: { month: '月度', quarter: '季度', year: '年度' },
    goalType: {
      contacts_per_customer: '人均联系次数', visits_per_customer: '人均拜访次数', greeting_coverage: '关怀覆盖率',
      activity_participation: '活动参与率', survey_response: '问卷回复率', csat: '满意度（1–5）',
    },
    goalStatus: { met: '已达成', on_track: '进度正常', at_risk: '有风险', off_track: '偏离目标' },
    actionKind: { contact: '联系', visit: '拜访', greeting: '关怀', survey: '问卷', activity: '活动' },
    taskKind: {
      contact: '联系', visit: '拜访', greeting: '关怀', survey: '问卷', activity: '活动', handed_down: '上级交办',
    },
    taskStatus: { open: '待办', done: '已完成', cancelled: '已取消' },
    severity: { critical: '特急', high: '高', medium: '中', low: '低' },
    importStatus: { queued: '排队中', running: '导入中', done: '已完成', failed: '失败', cancelled: '已取消' },
    occasion: { birthday: '生日', holiday: '节日', anniversary: '纪念日' },
  },
}
