// Administration (管理) and bulk import (导入).
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  {
    path: '/import', name: 'import', component: () => import('@/views/imports/ImportView.vue'),
    meta: { titleKey: 'imports.nav', icon: 'Upload', roles: ['manager', 'supervisor', 'admin'], order: 60 },
  },
  {
    path: '/admin/users', name: 'admin-users', component: () => import('@/views/admin/UsersView.vue'),
    meta: { titleKey: 'admin.nav.users', icon: 'User', roles: ['admin'], order: 80 },
  },
  {
    path: '/admin/settings', name: 'admin-settings', component: () => import('@/views/admin/SettingsView.vue'),
    meta: { titleKey: 'admin.nav.settings', icon: 'Setting', roles: ['admin'], order: 85 },
  },
]
