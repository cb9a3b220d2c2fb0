// Care and activities (关怀、礼品、客户活动): the manager's work beyond contacts and visits.
import type { RouteRecordRaw } from 'vue-router'

const WORKERS = ['manager', 'supervisor', 'admin'] as const

export const routes: RouteRecordRaw[] = [
  {
    path: '/care', name: 'care', component: () => import('@/views/care/CareView.vue'),
    meta: { titleKey: 'care.nav', icon: 'Present', roles: [...WORKERS], order: 30 },
  },
  {
    path: '/activities', name: 'activities', component: () => import('@/views/care/ActivitiesView.vue'),
    meta: { titleKey: 'activities.nav', icon: 'ChatDotRound', roles: [...WORKERS], order: 35 },
  },
  {
    path: '/activities/:id', name: 'activity', props: true, component: () => import('@/views/care/ActivityView.vue'),
    meta: { titleKey: 'activities.detail', roles: [...WORKERS], menu: false },
  },
]
