// 客户经理：今日工作、客户、互动、拜访、投诉。
export default {
  customer: { register: '登记新客户', view360: '客户全景', edit: '编辑客户', history: '变更历史' },
  complaint: { title: '投诉详情' },
  visit: { title: '拜访详情' },
}
