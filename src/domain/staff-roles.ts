import type { StaffRole } from '../db/types.js'

/** Every staff role, from the front desk up to administration. */
export const STAFF_ROLES = ['intake', 'handler', 'unit_head', 'supervisor', 'admin'] as const satisfies readonly StaffRole[]
