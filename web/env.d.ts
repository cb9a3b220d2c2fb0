/// <reference types="vite/client" />
import 'vue-router'

declare module 'vue-router' {
  // Route meta the menu and the guard read (src/router/index.ts).
  interface RouteMeta {
    /** i18n key of the page title and its menu entry; no key, no menu entry */
    titleKey?: string
    /** an icon name from @element-plus/icons-vue, e.g. 'Calendar' */
    icon?: string
    /** who sees the route (and its menu entry); absent: every signed-in user */
    roles?: Array<'manager' | 'supervisor' | 'admin' | 'auditor'>
    /** menu position, smaller first */
    order?: number
    /** true: reachable signed out (sign-in page) */
    public?: boolean
    /** false: not in the menu even with a titleKey (detail pages) */
    menu?: boolean
  }
}
