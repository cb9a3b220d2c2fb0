// Care, gifts and client activities.
export default {
  care: {
    nav: 'Care and gifts', title: 'Customer care and gifts', greetingsDue: 'Greetings due today',
    sendBirthdays: "Send today's birthday greetings",
    sendConfirm: 'Greetings will go to {n} customers ({total} due; those without consent, opted out or over the cap are skipped). Send now?',
    send: 'Send', sent: 'Sending; the delivery shows on each customer view', managersOnly: 'Greetings due are listed per relationship manager.',
    occasionLine: '{occasion} · {date}', channelFor: 'Channel for {name}', record: 'Record as greeted',
    recorded: '{name} recorded as greeted', noneDue: 'No greetings due today', giftTitle: 'Give a gift', customer: 'Customer',
    searchCustomer: 'Type a name to search', noCustomer: 'No customer found', gift: 'Gift',
    giftLine: '{cost} each, {n} in stock', notEligible: "Not for this customer's tier", noGifts: 'The gift catalogue is empty; ask an administrator',
    budgetLine: '{period} gift budget: {remaining} left of {amount}', budgetUsed: 'Budget used',
    noBudget: "No gift budget covers today for this customer's branch", reason: 'Reason', reasonHint: 'e.g. birthday care',
    issue: 'Give gift', issued: 'Given: {gift}',
  },
  activities: {
    nav: 'Client activities', title: 'Client activities', detail: 'Activity', new: 'Plan an activity', none: 'No client activities',
    line: '{type} · {when} · {where}', seats: '{taken}/{capacity} seats taken', name: 'Name', type: 'Type',
    startsAt: 'Starts at', dateTimeFormat: 'D MMM YYYY HH:mm', location: 'Location', capacity: 'Capacity',
    budget: 'Budget (CNY)', perHead: 'Cost per head (CNY)', segmentTiers: 'Invite tiers', anyTier: 'Any tier', status: 'Status',
    invite: 'Invite the segment', invitedN: '{n} invited now, {already} invited before', invitedDone: 'Invitations sent',
    invitations: 'Invitations ({n})', seatNo: ', seat {n}', attendedMark: ', attended', accept: 'Accept', decline: 'Decline',
    noInvitations: 'Nobody invited yet', attendance: 'Attendance', markAttendance: 'Mark as attended', attendanceDone: 'Attendance recorded',
    evaluation: 'Evaluation', figInvited: '{n} invited', figAccepted: '{n} accepted', figWaitlisted: '{n} waitlisted',
    figAttended: '{n} attended', figRate: 'Attendance {v}', figSatisfaction: 'Satisfaction {v} ({n} answers)',
    followUps: 'Follow-up actions', followUpsHint: 'One per line, e.g. call those who did not come', notes: 'Notes', evaluate: 'Save evaluation',
    evaluatedDone: 'Evaluation saved',
  },
}
