import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { i18n } from './locales'
import './styles.css'
// Element Plus's components come on demand (vite.config.ts); these services are called from
// script, so their styles are imported here once.
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

createApp(App).use(i18n).use(router).mount('#app')
