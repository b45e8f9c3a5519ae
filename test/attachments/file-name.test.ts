import t from 'tap'
import { attachmentDisposition, sanitizeFileName } from '../../src/attachments/file-name.js'

t.test('only the last path segment is kept', async t => {
  t.equal(sanitizeFileName('../../etc/passwd'), 'passwd')
  t.equal(sanitizeFileName('C:\\Users\\zhang\\Desktop\\证据.jpg'), '证据.jpg')
  t.equal(sanitizeFileName('/var/www/'), '')
  t.equal(sanitizeFileName('..'), '')
  t.equal(sanitizeFileName('   '), '')
})

t.test('control characters and bidirectional overrides are removed', async t => {
  t.equal(sanitizeFileName('re\u0000port\r\n.pdf'), 'report.pdf')
  t.equal(sanitizeFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe', 'cannot pose as a .pdf')
  t.equal(sanitizeFileName('a\u0085b\u009Fc.txt'), 'abc.txt', 'C1 controls too')
})

t.test('names are NFC and at most 255 characters', async t => {
  t.equal(sanitizeFileName('Cafe\u0301.txt'), 'Caf\u00E9.txt')
  const long = sanitizeFileName('举'.repeat(300) + '.jpg')
  t.equal(Array.from(long).length, 255)
  t.equal(sanitizeFileName('😀'.repeat(300)), '😀'.repeat(255), 'cut between characters, not inside one')
})

t.test('a download is saved under a safe name, in ASCII and in full', async t => {
  t.equal(attachmentDisposition('证据 (1).jpg', 'attachment-7'), 'attachment; filename="____1_.jpg"; filename*=UTF-8\'\'%E8%AF%81%E6%8D%AE%20%281%29.jpg')
  t.equal(attachmentDisposition('a"b;c.pdf', 'x'), 'attachment; filename="a_b_c.pdf"; filename*=UTF-8\'\'a%22b%3Bc.pdf', 'no quote or semicolon breaks out of the header')
  t.equal(attachmentDisposition('', 'attachment-7'), 'attachment; filename="attachment-7"; filename*=UTF-8\'\'attachment-7')
  t.equal(attachmentDisposition('../\u202Eevil\r\n.txt', 'x'), 'attachment; filename="evil.txt"; filename*=UTF-8\'\'evil.txt')
})
