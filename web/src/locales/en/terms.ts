// Names shared by the supervisor, plan, care, activity, admin and import screens.
export default {
  terms: {
    tier: {
      standard: 'Standard', gold: 'Gold', platinum: 'Platinum', diamond: 'Diamond', private_banking: 'Private banking',
      unassigned: 'No tier',
    },
    role: { manager: 'Relationship manager', supervisor: 'Supervisor', admin: 'Administrator', auditor: 'Auditor' },
    activityType: {
      education_lecture: 'Education lecture', vip_dinner: 'VIP privilege event', wealth_salon: 'Wealth salon',
      thank_you_event: 'Thank-you event', sme_seminar: 'SME seminar', family_event: 'Family event',
    },
    activityStatus: { planned: 'Planned', held: 'Held', evaluated: 'Evaluated', cancelled: 'Cancelled' },
    invitationStatus: { invited: 'Invited', accepted: 'Accepted', waitlisted: 'Waitlisted', declined: 'Declined' },
    channel: {
      counter: 'Counter', phone: 'Phone', sms: 'SMS', email: 'E-mail', wechat: 'WeChat', qq: 'QQ', social: 'Social media',
      online_banking: 'Online banking', mobile_banking: 'Mobile banking', visit: 'Visit', in_app: 'In-app message',
      other: 'Other',
    },
    planStatus: { draft: 'Draft', submitted: 'Awaiting approval', approved: 'Running', closed: 'Closed' },
    periodKind: { month: 'Month', quarter: 'Quarter', year: 'Year' },
    goalType: {
      contacts_per_customer: 'Contacts per customer', visits_per_customer: 'Visits per customer',
      greeting_coverage: 'Greeting coverage', activity_participation: 'Activity participation',
      survey_response: 'Survey response', csat: 'Satisfaction (1–5)',
    },
    goalStatus: { met: 'Met', on_track: 'On track', at_risk: 'At risk', off_track: 'Off track' },
    actionKind: { contact: 'Contact', visit: 'Visit', greeting: 'Greeting', survey: 'Survey', activity: 'Activity' },
    taskKind: {
      contact: 'Contact', visit: 'Visit', greeting: 'Greeting', survey: 'Survey', activity: 'Activity',
      handed_down: 'Handed down',
    },
    taskStatus: { open: 'Open', done: 'Done', cancelled: 'Cancelled' },
    severity: { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' },
    importStatus: { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' },
    occasion: { birthday: 'Birthday', holiday: 'Holiday', anniversary: 'Anniversary' },
  },
}
