// 管理：用户与团队、层级规则、礼品与预算、投诉时限与回访设置；批量导入。
export default {
  admin: {
    nav: { users: '用户与团队', settings: '业务设置' },
    users: {
      title: '用户与团队', create: '新建用户', created: '已创建用户 {name}', filterRole: '按角色筛选', allRoles: '全部角色',
      username: '用户名', password: '初始密码', passwordHint: '至少 12 个字符', role: '角色', branch: '所属机构',
      branchDefault: '默认为本机构', bankWide: '全行', team: '团队成员', teamOf: '团队：{names}', status: '状态',
      active: '在用', inactive: '已停用', canUnmask: '可查看明文', canUnmaskLabel: '允许查看客户敏感信息明文（将记录审计）',
      editTeam: '设置团队', teamTitle: '设置 {name} 的团队', grant: '授予明文查看权', revoke: '收回明文查看权',
      grantHint: '变更 {name} 的明文查看权，原因将记入审计日志', reason: '原因', deactivate: '停用', activate: '启用',
      activated: '已启用 {name}', deactivated: '已停用 {name}，其登录会话已全部结束',
    },
    settings: { title: '业务设置', tiers: '客户层级规则', gifts: '礼品与预算', sla: '投诉时限与回访' },
    tiers: {
      hint: '客户满足某层级的全部门槛即归入该层级（取最高）；门槛须随层级递增。保存后系统将重新计算全部客户的层级。',
      defaults: '当前使用系统默认规则', version: '第 {v} 版，更新于 {at}', base: '基础层级，无门槛',
      aum: '最低金融资产（元）', income: '最低年收入（元）', products: '最少持有产品数', saved: '层级规则已保存，客户层级将自动重新计算',
    },
    gifts: {
      catalogue: '礼品目录', line: '单价 {cost}，可用 {available} / 累计入库 {total}，已发放 {issued}', allTiers: '全部层级',
      restock: '补充库存', restockOf: '{name} 补充数量', add: '添加礼品', added: '已添加礼品 {name}', name: '礼品名称',
      cost: '单价（元）', stock: '初始库存', tiers: '适用层级',
    },
    budgets: {
      title: '礼品预算', of: '机构 {branch} · 期间 {period}', line: '预算 {amount}，已用 {spent}，剩余 {remaining}', spentShare: '预算使用比例',
      add: '设置预算', branch: '机构', period: '期间', periodHint: '年 2026、季度 2026-Q3 或月份 2026-07', amount: '金额（元）',
    },
    sla: {
      title: '投诉处理时限（SLA）', hint: '按严重程度与客户层级设置响应和办结时限（小时）；未单独设置的层级按“默认”执行。',
      default: '默认', response: '响应时限（小时）', resolution: '办结时限（小时）', near: '临近超时提醒比例',
      confirmTimeout: '客户未确认自动结案（小时）',
    },
    followup: {
      title: '回访问卷设置', capCount: '每位客户最多回访次数', capDays: '统计天数', survey: '问卷编号',
      builtIn: '留空使用系统回访问卷', trigger: { visit: '拜访完成后回访', activity: '活动到场后回访', complaint: '投诉结案后回访' },
    },
  },
  imports: {
    nav: '批量导入', title: '批量导入客户', upload: '上传文件',
    hint: '支持 CSV（首行为字段名，如 kind,name,mobile）或 JSON Lines 文件；已存在的客户会被跳过，可放心重复导入。',
    file: '选择文件', start: '开始导入', jobTitle: '导入任务：{name}', rows: '已处理 {done} / {total} 行', progress: '导入进度',
    accepted: '新增 {n} 户', skippedCount: '跳过 {n} 行', rejectedCount: '拒绝 {n} 行', failed: '导入中断：文件无法继续读取，之前的行已处理',
    cancel: '取消导入', download: '下载错误报告（{n} 行）', rowNo: '第 {n} 行', moreInReport: '仅显示前 50 行，完整内容请下载错误报告',
    wholeRow: '整行', skippedExists: '客户已存在（{id}）', skipped: '跳过', rejected: '拒绝', colRow: '行号', colStatus: '结果',
    colErrors: '原因', history: '最近的导入',
  },
}
