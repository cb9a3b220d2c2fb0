// Maintenance plans and tasks.
export default {
  plans: {
    nav: 'Maintenance plans', title: 'Maintenance plans', detail: 'Plan', new: 'Draft a plan', allStatuses: 'All statuses',
    filterStatus: 'Filter by status', none: 'No maintenance plans', periodLine: '{kind} ({key}) from {from}, revision {rev}',
    goalLine: '{goal}: target {target}', name: 'Name', periodKind: 'Period', periodStart: 'Any day of the period',
    dateFormat: 'D MMM YYYY', scope: 'Scope', scopeHint: 'Empty: your whole book (supervisors: the team; admins: the branch)',
    tiers: 'Tiers', anyTier: 'Any tier', tags: 'Tags', tagsHint: 'Separate tags with commas', goals: 'Goals',
    goalType: 'Goal', target: 'Target', targetShare: 'Target (%)', addGoal: 'Add a goal', removeGoal: 'Remove this goal',
    actions: 'Actions', actionKind: 'Action', perCustomer: 'Per customer', addAction: 'Add an action',
    removeAction: 'Remove this action', remove: 'Remove', reason: 'Why', saveDraft: 'Save draft', submit: 'Submit for approval',
    approve: 'Approve', reject: 'Send back', close: 'Close the period and evaluate', rejectReason: 'Why is it sent back?',
    done: { submit: 'Submitted for approval', approve: 'Approved; the tasks go to the managers', reject: 'Sent back', close: 'Period closed and evaluated' },
    status: 'Status', period: 'Period', periodRange: '{kind} ({key}) from {from}', revision: 'Revision', tagsList: 'Tags: {tags}',
    wholeBook: 'All customers', approvedBy: 'Approved by', targetIs: 'target {v}', achieved: '{a} so far, {p} projected',
    actionLine: '{kind}: {n} per customer', progress: 'Progress', progressLine: 'As of {asOf}, {elapsed} of the period, {customers} customers',
    taskCompletion: 'Tasks done', taskLine: '{done}/{total} tasks done, {overdue} overdue', deviations: 'Deviations',
    devTimes: '{text} ({n})', devTask: '{kind} task {days} days late', devGoal: '{goal} may miss its target', evaluations: 'Evaluations',
    noEvaluation: 'Not evaluated yet', evalTitle: '{period} (revision {rev}): {customers} customers, {comparison} in the comparison group',
    goal: 'Goal', achievedCol: 'Achieved', previous: 'Previous', comparison: 'Comparison', effect: 'Net effect',
    suggestion: 'Suggested: {what} {old} → {new}', owner: 'Drafted by: {who}', you: 'you',
  },
  tasks: {
    nav: 'Tasks', title: 'My tasks', filter: 'Filter by status', all: 'All', handDown: 'Hand down a task', none: 'No tasks',
    line: '{kind} · due {due} · {status}', customer: 'Open customer', complete: 'Mark done', completed: 'Task done',
    handed: 'Task handed down', owner: 'To', titleLabel: 'Task', due: 'Due', customerId: 'Customer id (optional)',
    kind: 'Completed by',
  },
}
