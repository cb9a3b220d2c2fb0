// Routes come from every module in ./routes/ (one per area: manager.ts, supervisor.ts, ...),
// each exporting `routes: RouteRecordRaw[]` with lazily loaded components (route splitting).
// Routes with meta.public stand alone (sign-in); all others render inside the layout, and
// those with meta.titleKey (and menu !== false) become menu entries, filtered by meta.roles
// and sorted by meta.order. A new area adds a routes file and nothing else.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { auth, hasRole, restore } from '@/stores/auth'
import { translate } from '@/locales'

type RoutesModule = { routes: RouteRecordRaw[] }
const modules = import.meta.glob<RoutesModule>('./routes/*.ts', { eager: true })
const all: RouteRecordRaw[] = Object.values(modules).flatMap((m) => m.routes)

export const publicRoutes = all.filter((r) => r.meta?.public)
export const layoutRoutes = all.filter((r) => !r.meta?.public)

/** The menu entries the signed-in user may see, in order. */
export function menuRoutes(): RouteRecordRaw[] {
  return layoutRoutes
    .filter((r) => r.meta?.titleKey && r.meta.menu !== false && hasRole(r.meta.roles))
    .sort((a, b) => (a.meta?.order ?? 100) - (b.meta?.order ?? 100))
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    ...publicRoutes,
    {
      path: '/',
      component: () => import('@/layouts/AppLayout.vue'),
      children: [
        { path: '', name: 'home', redirect: () => ({ name: menuRoutes()[0]?.name ?? 'login' }) },
        ...layoutRoutes,
      ],
    },
    { path: '/:rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  if (!auth.ready) await restore()   // the first navigation: the session from the refresh cookie
  if (to.name === 'login' && auth.user) return { name: 'home' }   // signed in already (a reload)
  if (to.meta.public) return true
  if (!auth.user) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (!hasRole(to.meta.roles)) return { name: 'home' }
  return true
})

router.afterEach((to) => {
  const title = to.meta.titleKey ? translate(to.meta.titleKey) : ''
  document.title = [title, translate('app.title')].filter(Boolean).join(' · ')
})
