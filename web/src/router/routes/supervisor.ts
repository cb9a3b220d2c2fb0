// The supervisor's screens (主管): the team dashboard and the team's books with reassignment.
import type { RouteRecordRaw } from 'vue-router'

const LEADS = ['supervisor', 'admin'] as const

export const routes: RouteRecordRaw[] = [
  {
    path: '/team/dashboard', name: 'dashboard', component: () => import('@/views/supervisor/DashboardView.vue'),
    meta: { titleKey: 'dashboard.nav', icon: 'Histogram', roles: [...LEADS], order: 40 },
  },
  {
    path: '/team/books', name: 'team-books', component: () => import('@/views/supervisor/TeamBooksView.vue'),
    meta: { titleKey: 'books.nav', icon: 'Briefcase', roles: [...LEADS], order: 45 },
  },
]
