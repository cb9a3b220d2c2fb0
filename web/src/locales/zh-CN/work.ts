// 关怀、礼品与客户活动。
export default {
  care: {
    nav: '关怀与礼品', title: '客户关怀与礼品', greetingsDue: '今日待关怀', sendBirthdays: '发送今日生日祝福',
    sendConfirm: '将向 {n} 位客户发送祝福（共 {total} 位待关怀；未授权、已退订或超出频次的客户不发送）。确定发送？',
    send: '发送', sent: '已提交发送，发送结果稍后可在客户视图中查看', managersOnly: '待关怀名单按客户经理显示，请客户经理本人查看。',
    occasionLine: '{occasion} · 日期 {date}', channelFor: '{name} 的关怀渠道', record: '记录已关怀',
    recorded: '已记录对 {name} 的关怀', noneDue: '今日没有待关怀的客户', giftTitle: '赠送礼品', customer: '客户',
    searchCustomer: '输入客户姓名搜索', noCustomer: '没有找到客户', gift: '礼品',
    giftLine: '单价 {cost}，库存 {n} 件', notEligible: '该客户层级不适用', noGifts: '礼品目录为空，请联系管理员添加',
    budgetLine: '{period} 礼品预算：剩余 {remaining}（共 {amount}）', budgetUsed: '预算已使用比例',
    noBudget: '该客户所属机构当前没有礼品预算，暂不能赠送', reason: '赠送事由', reasonHint: '例如：生日关怀',
    issue: '确认赠送', issued: '已赠送：{gift}',
  },
  activities: {
    nav: '活动管理', title: '客户活动', detail: '活动详情', new: '策划活动', none: '暂无客户活动',
    line: '{type} · 时间 {when} · 地点 {where}', seats: '已占座位 {taken}/{capacity}', name: '活动名称', type: '活动类型',
    startsAt: '活动时间', dateTimeFormat: 'YYYY年M月D日 HH:mm', location: '地点', capacity: '人数上限',
    budget: '活动预算（元）', perHead: '人均费用（元）', segmentTiers: '邀请客户层级', anyTier: '不限层级', status: '状态',
    invite: '邀请目标客户', invitedN: '本次邀请 {n} 位客户，{already} 位此前已邀请', invitedDone: '邀请已发出',
    invitations: '邀请名单（{n}）', seatNo: '，座位 {n}', attendedMark: '，已到场', accept: '接受', decline: '婉拒',
    noInvitations: '尚未邀请客户', attendance: '签到', markAttendance: '登记到场', attendanceDone: '已登记到场',
    evaluation: '活动评估', figInvited: '邀请 {n} 人', figAccepted: '接受 {n} 人', figWaitlisted: '候补 {n} 人',
    figAttended: '到场 {n} 人', figRate: '到场率 {v}', figSatisfaction: '满意度 {v}（{n} 份答卷）',
    followUps: '后续跟进事项', followUpsHint: '每行一项，例如：电话回访未到场客户', notes: '评估意见', evaluate: '保存评估',
    cancel: '取消活动', cancelReason: '请填写取消原因（将记入活动历史）', cancelled: '活动已取消',
    evaluatedDone: '评估已保存',
  },
}
