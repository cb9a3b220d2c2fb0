// The relationship manager's screens (客户经理): today, customers and the work on them.
import type { RouteRecordRaw } from 'vue-router'

const WORKERS = ['manager', 'supervisor', 'admin'] as const

export const routes: RouteRecordRaw[] = [
  {
    path: '/today', name: 'today', component: () => import('@/views/TodayView.vue'),
    meta: { titleKey: 'nav.today', icon: 'Calendar', roles: [...WORKERS], order: 10 },
  },
  {
    path: '/customers', name: 'customers', component: () => import('@/views/customers/CustomerSearchView.vue'),
    meta: { titleKey: 'nav.customers', icon: 'User', roles: [...WORKERS], order: 20 },
  },
  {
    path: '/customers/new', name: 'customer-new', component: () => import('@/views/customers/CustomerFormView.vue'),
    meta: { titleKey: 'customer.register', roles: [...WORKERS], menu: false },
  },
  {
    path: '/customers/:id', name: 'customer', props: true,
    component: () => import('@/views/customers/Customer360View.vue'),
    meta: { titleKey: 'customer.view360', roles: [...WORKERS], menu: false },
  },
  {
    path: '/customers/:id/edit', name: 'customer-edit', props: true,
    component: () => import('@/views/customers/CustomerFormView.vue'),
    meta: { titleKey: 'customer.edit', roles: [...WORKERS], menu: false },
  },
  {
    path: '/customers/:id/history', name: 'customer-history', props: true,
    component: () => import('@/views/customers/CustomerHistoryView.vue'),
    meta: { titleKey: 'customer.history', roles: [...WORKERS], menu: false },
  },
  {
    path: '/complaints/:id', name: 'complaint', props: true,
    component: () => import('@/views/work/ComplaintView.vue'),
    meta: { titleKey: 'complaint.title', roles: [...WORKERS], menu: false },
  },
  {
    path: '/visits/:id', name: 'visit', props: true,
    component: () => import('@/views/work/VisitView.vue'),
    meta: { titleKey: 'visit.title', roles: [...WORKERS], menu: false },
  },
]
