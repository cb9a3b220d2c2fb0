// The relationship manager's: today, customers, interactions, visits, complaints.
export default {
  customer: { register: 'Register a customer', view360: 'Customer 360', edit: 'Edit customer', history: 'History' },
  complaint: { title: 'Complaint' },
  visit: { title: 'Visit' },
}
