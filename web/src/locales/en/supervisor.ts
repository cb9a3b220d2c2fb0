// Supervisor: the team dashboard, the team's books and reassignment.
export default {
  dashboard: {
    nav: 'Team dashboard', title: 'Team dashboard', range: 'Period', days30: 'Last 30 days', days90: 'Last 90 days',
    days365: 'Last year', rangeText: '{from} to {to}, {n} relationship managers', customers: 'Customers',
    coverage: 'Contact coverage', complaintsOpen: 'Open complaints', withinSla: 'Resolved within SLA',
    csat: 'Satisfaction', nps: 'NPS', tiers: 'Tier distribution', tierText: '{tier} {n}',
    coverageTitle: 'Contact coverage per manager', coverageText: 'Team coverage {v}', slaTitle: 'Complaint SLA',
    slaText: '{open} open, {breached} past deadline; {resolved} resolved in the period, {rate} within SLA',
    slaOpen: 'Open (in time)', slaBreached: 'Past deadline', slaResolvedWithin: 'Resolved within SLA',
    trendTitle: 'Satisfaction trend', trendText: '{period}: {csat} ({n} answers)', noAnswers: 'No survey answers in the period',
    activitiesTitle: 'Activity effectiveness', invited: 'Invited', accepted: 'Accepted', attended: 'Attended',
    activityText: '{name}: {attended}/{accepted} attended, {rate}', noActivities: 'No client activities in the period',
    plansTitle: 'Maintenance plan progress', planCompletion: 'Tasks done', planText: '{name}: {done}/{total} tasks done',
    noPlans: 'No running maintenance plans', perManager: 'Per manager', manager: 'Manager', newCustomers: 'New customers',
    interactions: 'Contacts', unassigned: 'Unassigned',
  },
  books: {
    nav: "Team's books", title: "Team's books and reassignment", managers: 'Books per manager',
    unassigned: 'Customers without a manager: {n}', size: '{n} customers', tierCount: '{tier} {n}', open: 'Open book',
    bookOf: "{name}'s customers", name: 'Customer', tier: 'Tier', mobile: 'Mobile', since: 'Registered',
    select: 'Select {name}', moveTo: 'Reassign to', pickManager: 'Choose a manager', reason: 'Reason',
    move: 'Reassign selected ({n})', moved: '{n} customers reassigned to {to}',
  },
}
