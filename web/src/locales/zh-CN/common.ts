// 通用：应用、导航、登录、错误与校验信息。
export default {
  app: { title: '客户经理工作台' },
  nav: {
    menu: '主菜单', openMenu: '打开菜单', logout: '退出登录', language: '语言',
    langZh: '中文', langEn: 'English', today: '今日工作', customers: '客户',
  },
  login: { title: '登录', username: '用户名', password: '密码', submit: '登录', wrong: '用户名或密码错误' },
  common: {
    save: '保存', cancel: '取消', confirm: '确定', edit: '编辑', back: '返回', search: '搜索', reset: '重置',
    loading: '加载中…', empty: '暂无数据', notFound: '页面不存在', home: '返回首页', actions: '操作',
    yes: '是', no: '否', refresh: '刷新', more: '更多', close: '关闭', submit: '提交', open: '打开',
    required: '必填', optional: '选填', saved: '已保存', none: '无', partial: '部分数据暂不可用：{parts}',
  },
  problem: {
    unexpected: '操作失败，请稍后重试', network: '网络不可用，请检查网络连接后重试',
    fieldsBelow: '请修改下方标出的项目', staleTitle: '记录已变更', staleQuestion: '已被他人修改，是否重新加载？',
    reload: '重新加载',
    status: {
      400: '请求格式有误', 401: '登录已失效，请重新登录', 403: '您没有权限执行此操作', 404: '记录不存在或您无权查看',
      405: '不支持此操作', 409: '与当前状态冲突，无法执行', 412: '已被他人修改，请重新加载后再试',
      413: '内容过大', 422: '填写有误', 428: '缺少版本信息，请重新加载后再试', 429: '尝试次数过多，请稍后再试',
      500: '服务器内部错误', 503: '服务暂不可用，请稍后再试', 504: '服务响应超时，请稍后再试',
    },
    kind: {
      'wrong-credentials': '用户名或密码错误',
    },
  },
  validation: {
    required: '此项为必填项', length: '长度不符合要求', email: '邮箱地址格式不正确', date: '日期格式不正确',
    number: '请输入数字', choice: '请选择有效的选项', unknown: '不支持的字段', mobile: '手机号码格式不正确',
    idNumber: '证件号码不正确', pattern: '格式不正确', duplicate: '已存在相同的记录', future: '日期不能晚于今天',
    wrongPassword: '密码错误', invalid: '填写内容无效',
  },
}
