// The API's enumerations the work dialogs offer (labels: locales, areas channel/severity/...).
export const CHANNELS = ['phone', 'counter', 'visit', 'wechat', 'sms', 'email', 'qq', 'social', 'online_banking', 'mobile_banking'] as const
export const COMPLAINT_CHANNELS = [...CHANNELS, 'survey', 'letter', 'other'] as const
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export const CATEGORIES = ['service', 'product', 'staff', 'process', 'suggestion', 'praise'] as const
export const TIERS = ['standard', 'gold', 'platinum', 'diamond', 'private_banking'] as const
export const ID_TYPES = ['resident_id', 'passport', 'hk_macau_permit', 'taiwan_permit', 'foreign_permanent_resident', 'other'] as const
