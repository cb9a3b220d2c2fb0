// Common: app, navigation, sign-in, errors and validation messages.
export default {
  app: { title: 'Relationship Manager Console' },
  nav: {
    menu: 'Main menu', openMenu: 'Open menu', logout: 'Sign out', language: 'Language',
    langZh: '中文', langEn: 'English', today: 'Today', customers: 'Customers',
  },
  login: { title: 'Sign in', username: 'Username', password: 'Password', submit: 'Sign in', wrong: 'Wrong username or password' },
  common: {
    save: 'Save', cancel: 'Cancel', confirm: 'OK', edit: 'Edit', back: 'Back', search: 'Search', reset: 'Reset',
    loading: 'Loading…', empty: 'Nothing here', notFound: 'Page not found', home: 'Back to start', actions: 'Actions',
    yes: 'Yes', no: 'No', refresh: 'Refresh', more: 'More', close: 'Close', submit: 'Submit', open: 'Open',
    required: 'Required', optional: 'Optional', saved: 'Saved', none: 'None', partial: 'Some data is unavailable: {parts}',
  },
  problem: {
    unexpected: 'That did not work; please try again later', network: 'No network; check the connection and try again',
    fieldsBelow: 'Please correct the fields marked below', staleTitle: 'Record changed',
    staleQuestion: 'Someone else has changed this record. Reload it?', reload: 'Reload',
    status: {
      400: 'The request was malformed', 401: 'Your session has ended; please sign in again',
      403: 'You may not do this', 404: 'No such record, or not yours to see', 405: 'Not supported',
      409: 'This conflicts with the current state', 412: 'Someone else changed this record; reload and try again',
      413: 'Too large', 422: 'Some fields are not valid', 428: 'Version missing; reload and try again',
      429: 'Too many attempts; try again later', 500: 'Server error', 503: 'Service unavailable; try again later',
      504: 'The service took too long; try again later',
    },
    kind: {
      'wrong-credentials': 'Wrong username or password',
    },
  },
  validation: {
    required: 'Required', length: 'Wrong length', email: 'Not a valid e-mail address', date: 'Not a valid date',
    number: 'Enter a number', choice: 'Choose a valid option', unknown: 'Unknown field', mobile: 'Not a valid mobile number',
    idNumber: 'Not a valid ID number', pattern: 'Wrong format', duplicate: 'Already exists', future: 'Must not be in the future',
    wrongPassword: 'Wrong password', invalid: 'Not valid',
  },
}
