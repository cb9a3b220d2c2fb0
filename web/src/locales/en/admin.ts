// Administration: users and teams, tier rules, gifts and budgets, complaint SLA and follow-ups; bulk import.
export default {
  admin: {
    nav: { users: 'Users and teams', settings: 'Settings' },
    users: {
      title: 'Users and teams', create: 'New user', created: 'User {name} created', filterRole: 'Filter by role', allRoles: 'All roles',
      username: 'Username', password: 'Initial password', passwordHint: 'At least 12 characters', role: 'Role', branch: 'Branch',
      branchDefault: 'Default: your branch', bankWide: 'Bank-wide', team: 'Team members', teamOf: 'Team: {names}', status: 'Status',
      active: 'Active', inactive: 'Inactive', canUnmask: 'May unmask', canUnmaskLabel: 'May see sensitive customer data in clear (audited)',
      editTeam: 'Set team', teamTitle: "{name}'s team", grant: 'Grant the unmask right', revoke: 'Revoke the unmask right',
      grantHint: "Changing {name}'s unmask right; the reason goes to the audit trail", reason: 'Reason', deactivate: 'Deactivate',
      activate: 'Activate', activated: '{name} activated', deactivated: '{name} deactivated; their sessions ended',
    },
    settings: { title: 'Settings', tiers: 'Tier rules', gifts: 'Gifts and budgets', sla: 'Complaint SLA and follow-ups' },
    tiers: {
      hint: "A customer gets the highest tier whose every threshold they meet; thresholds must rise with the tier. Saving re-tiers every customer.",
      defaults: 'The built-in defaults apply', version: 'Version {v}, updated {at}', base: 'The base tier, no threshold',
      aum: 'Minimum AUM (CNY)', income: 'Minimum annual income (CNY)', products: 'Minimum products held',
      saved: 'Tier rules saved; customers are re-tiered',
    },
    gifts: {
      catalogue: 'Gift catalogue', line: '{cost} each, {available} available of {total} stocked, {issued} given', allTiers: 'All tiers',
      restock: 'Restock', restockOf: 'Quantity to add to {name}', add: 'Add a gift', added: 'Gift {name} added', name: 'Name',
      cost: 'Unit cost (CNY)', stock: 'Initial stock', tiers: 'Tiers',
    },
    budgets: {
      title: 'Gift budgets', of: '{branch} · {period}', line: 'Budget {amount}, spent {spent}, {remaining} left', spentShare: 'Budget used',
      add: 'Set a budget', branch: 'Branch', period: 'Period', periodHint: 'Year 2026, quarter 2026-Q3 or month 2026-07', amount: 'Amount (CNY)',
    },
    sla: {
      title: 'Complaint SLA', hint: 'Hours to respond and to resolve by severity and customer tier; tiers without their own row follow "Default".',
      default: 'Default', response: 'Respond within (hours)', resolution: 'Resolve within (hours)', near: 'Near-deadline share',
      confirmTimeout: 'Close unconfirmed resolutions after (hours)',
    },
    followup: {
      title: 'Follow-up surveys', capCount: 'At most per customer', capDays: 'In days', survey: 'Survey id',
      builtIn: 'Empty: the built-in follow-up survey',
      trigger: { visit: 'After a completed visit', activity: 'After an attended activity', complaint: 'After a closed complaint' },
    },
  },
  imports: {
    nav: 'Import', title: 'Import customers', upload: 'Upload a file',
    hint: 'CSV (a header row of field names such as kind,name,mobile) or JSON lines; customers that exist already are skipped, so importing again is safe.',
    file: 'File', start: 'Start import', jobTitle: 'Import: {name}', rows: '{done} of {total} rows', progress: 'Import progress',
    accepted: '{n} added', skippedCount: '{n} skipped', rejectedCount: '{n} refused', failed: 'Stopped: the file could not be read further; earlier rows were processed',
    cancel: 'Cancel import', download: 'Download the error report ({n} rows)', rowNo: 'Row {n}', moreInReport: 'The first 50 are shown; download the report for all',
    wholeRow: 'Row', skippedExists: 'Already exists ({id})', skipped: 'Skipped', rejected: 'Refused', colRow: 'Row', colStatus: 'Result',
    colErrors: 'Why', history: 'Recent imports',
  },
}
