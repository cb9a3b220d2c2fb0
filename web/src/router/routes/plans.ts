// Maintenance plans (维护方案) and tasks: list, draft, approve, progress and evaluation.
import type { RouteRecordRaw } from 'vue-router'

const WORKERS = ['manager', 'supervisor', 'admin'] as const

export const routes: RouteRecordRaw[] = [
  {
    path: '/plans', name: 'plans', component: () => import('@/views/plans/PlansView.vue'),
    meta: { titleKey: 'plans.nav', icon: 'Flag', roles: [...WORKERS], order: 50 },
  },
  {
    path: '/plans/new', name: 'plan-new', component: () => import('@/views/plans/PlanFormView.vue'),
    meta: { titleKey: 'plans.new', roles: [...WORKERS], menu: false },
  },
  {
    path: '/plans/:id', name: 'plan', props: true, component: () => import('@/views/plans/PlanView.vue'),
    meta: { titleKey: 'plans.detail', roles: [...WORKERS], menu: false },
  },
  {
    path: '/tasks', name: 'tasks', component: () => import('@/views/plans/TasksView.vue'),
    meta: { titleKey: 'tasks.nav', icon: 'Document', roles: [...WORKERS], order: 55 },
  },
]
