// The console's own routes: sign-in. (Everyone's; areas live in their own files.)
import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true, titleKey: 'login.title' } },
]
