import { onBeforeUnmount, ref } from 'vue'

/** true on phone-sized screens (below 768 px): the menu becomes a drawer, tables become cards. */
export function usePhone() {
  const query = window.matchMedia('(max-width: 767px)')
  const phone = ref(query.matches)
  const update = (e: MediaQueryListEvent) => (phone.value = e.matches)
  query.addEventListener('change', update)
  onBeforeUnmount(() => query.removeEventListener('change', update))
  return phone
}
