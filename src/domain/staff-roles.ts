export { STAFF_ROLES } from './vocabulary.js'
