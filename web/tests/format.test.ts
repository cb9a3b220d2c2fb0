import { describe, expect, it } from 'vitest'
import { daysUntil, formatDate, formatDateTime, formatMoney, formatPhone, msUntil } from '../src/utils/format'

describe('formatters', () => {
  it('money: integer cents as 元 with thousands separators', () => {
    expect(formatMoney(123456789)).toBe('1,234,567.89 元')
    expect(formatMoney(5)).toBe('0.05 元')
    expect(formatMoney(-100000)).toBe('-1,000.00 元')
    expect(formatMoney(0)).toBe('0.00 元')
    expect(formatMoney(123456789, 'en')).toBe('¥1,234,567.89')
    expect(formatMoney(null)).toBe('—')
  })

  it('dates the Chinese way, date-only strings never shifted', () => {
    expect(formatDate('2026-01-05')).toBe('2026年1月5日')
    expect(formatDate('--03-09')).toBe('3月9日')
    expect(formatDate('2026-01-05', 'en')).toBe('5 Jan 2026')
    // 23:30 UTC is the next day in Beijing.
    expect(formatDate('2026-01-05T23:30:00+00:00')).toBe('2026年1月6日')
    expect(formatDateTime('2026-01-05T06:05:00Z')).toBe('2026年1月5日 14:05')
    expect(formatDate(undefined)).toBe('—')
  })

  it('mobiles in 3-4-4 groups, masked ones too', () => {
    expect(formatPhone('13812341234')).toBe('138 1234 1234')
    expect(formatPhone('138****1234')).toBe('138 **** 1234')
    expect(formatPhone('+8613812341234')).toBe('+86 138 1234 1234')
    expect(formatPhone('010-12345678')).toBe('010-12345678')
  })

  it('days and SLA clocks', () => {
    const now = new Date('2026-11-29T02:00:00Z')   // 10:00 in Beijing
    expect(daysUntil('2026-11-30', now)).toBe(1)
    expect(daysUntil('2026-11-28', now)).toBe(-1)
    expect(msUntil('2026-11-29T03:00:00Z', now.getTime())).toBe(3600000)
  })
})
