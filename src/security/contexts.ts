/**
 * The contexts an encrypted value is bound to (the `aad` of Secrets.encrypt): one per column
 * or sealed value, so that a blob copied from one place cannot be opened as another. The
 * strings are part of every stored blob's authentication: never change one.
 */
export const CRYPTO_CONTEXT = {
  /** A real-name reporter's identity (reports.identity_enc). */
  reportIdentity: 'report-identity',
  /** The address notices go to (reports.contact_email_enc). */
  reportContactEmail: 'report-contact-email',
  /** The tracking code kept for the receipt (intake_receipts.code_enc). */
  intakeReceipt: 'intake-receipt',
  /** The receipt sealed for the confirmation page's language switch. */
  intakeReceiptView: 'intake-receipt-view',
  /** A staff member's TOTP secret (staff_users.totp_secret_enc). */
  staffTotp: 'staff-totp'
} as const
