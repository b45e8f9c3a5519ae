import t from 'tap'
import {
  checkTrackingCode, formatTrackingCode, generateTrackingCode, normalizeTrackingCode, TRACKING_ALPHABET, TRACKING_CODE_PATTERN
} from '../../src/domain/tracking-code.js'

const fixed = (hex: string) => (n: number): Buffer => {
  const bytes = Buffer.from(hex, 'hex')
  if (bytes.length !== n) throw new Error(`asked for ${n} bytes`)
  return bytes
}

t.test('the alphabet is Crockford base32: 32 distinct symbols without I, L, O, U', async t => {
  t.equal(TRACKING_ALPHABET.length, 32)
  t.equal(new Set(TRACKING_ALPHABET).size, 32)
  t.notMatch(TRACKING_ALPHABET, /[ILOU]/)
})

t.test('a code takes exactly 10 random bytes and spells their 80 bits, most significant first', async t => {
  const asked: number[] = []
  const code = generateTrackingCode(n => { asked.push(n); return fixed('0123456789abcdef0123')(n) })
  t.same(asked, [10])
  t.equal(code, '04HMASW9NF6YY093')
  t.equal(generateTrackingCode(fixed('ffeeddccbbaa99887766')), 'ZZQDVK5VNACRGXV6')
  t.equal(generateTrackingCode(fixed('00000000000000000000')), '0000000000000000')
  t.equal(generateTrackingCode(fixed('ffffffffffffffffffff')), 'ZZZZZZZZZZZZZZZZ')
})

t.test('every one of the 80 bits changes the code, and in exactly one symbol', async t => {
  const zero = '0000000000000000'
  const codes = new Set<string>()
  for (let bit = 0; bit < 80; bit++) {
    const bytes = Buffer.alloc(10)
    bytes[9 - Math.floor(bit / 8)] = 1 << (bit % 8)
    const code = generateTrackingCode(() => bytes)
    codes.add(code)
    const changed = [...code].filter((symbol, i) => symbol !== zero[i]).length
    if (changed !== 1) t.fail(`bit ${bit} changed ${changed} symbols: ${code}`)
    const position = 15 - Math.floor(bit / 5)
    t.equal(code[position], TRACKING_ALPHABET[1 << (bit % 5)], `bit ${bit} lands in symbol ${position}`)
  }
  t.equal(codes.size, 80)
})

t.test('a counting source gives as many distinct codes as inputs', async t => {
  const codes = new Set<string>()
  for (let i = 0; i < 4096; i++) {
    const bytes = Buffer.alloc(10)
    bytes.writeUInt16BE(i, 8)
    bytes.writeUInt16BE(i, 0)
    codes.add(generateTrackingCode(() => bytes))
  }
  t.equal(codes.size, 4096)
})

t.test('a random source that returns the wrong number of bytes is refused', async t => {
  t.throws(() => generateTrackingCode(() => Buffer.alloc(9)), RangeError)
  t.throws(() => generateTrackingCode(() => Buffer.alloc(16)), RangeError)
})

t.test('the default source is the CSPRNG: symbols are evenly used in every position', async t => {
  const count = 3200
  const perSymbol = new Map<string, number>()
  const perPosition = Array.from({ length: 16 }, () => new Set<string>())
  const codes = new Set<string>()
  for (let i = 0; i < count; i++) {
    const code = generateTrackingCode()
    codes.add(code)
    ;[...code].forEach((symbol, position) => {
      perSymbol.set(symbol, (perSymbol.get(symbol) ?? 0) + 1)
      perPosition[position]!.add(symbol)
    })
  }
  t.equal(codes.size, count, 'no repeats')
  t.same([...codes].filter(code => !/^[0-9A-HJKMNP-TV-Z]{16}$/.test(code)), [], 'all canonical')
  t.equal(perSymbol.size, 32)
  // Each symbol is expected 1600 times (σ ≈ 39); ±300 fails only when something is broken.
  for (const [symbol, n] of perSymbol) if (Math.abs(n - 1600) > 300) t.fail(`${symbol} appears ${n} times`)
  t.ok(perPosition.every(seen => seen.size === 32), 'every position takes every symbol')
})

t.test('format groups a canonical code in fours, and normalising the display form gives it back', async t => {
  t.equal(formatTrackingCode('04HMASW9NF6YY093'), '04HM-ASW9-NF6Y-Y093')
  const broken = Array.from({ length: 500 }, () => generateTrackingCode()).filter(code => {
    const shown = formatTrackingCode(code)
    return !/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(shown) || normalizeTrackingCode(shown) !== code || normalizeTrackingCode(code) !== code
  })
  t.same(broken, [])
})

t.test('format refuses anything that is not canonical', async t => {
  for (const bad of ['04hmasw9nf6yy093', '04HM-ASW9-NF6Y-Y093', '04HMASW9NF6YY09', '04HMASW9NF6YY0930', 'U4HMASW9NF6YY093', 'O4HMASW9NF6YY093', '']) {
    t.throws(() => formatTrackingCode(bad), TypeError, bad)
  }
})

const TYPED: Array<[string, string]> = [
  ['7KQ2M9XD01HJRSTV', 'canonical'],
  ['7KQ2-M9XD-01HJ-RSTV', 'display form'],
  ['7kq2-m9xd-01hj-rstv', 'lower case'],
  ['7Kq2-M9xD-01hJ-rStV', 'mixed case'],
  ['  7KQ2 M9XD 01HJ RSTV  ', 'spaces and padding'],
  ['7KQ2\tM9XD\n01HJ\u00a0RSTV', 'tab, newline, no-break space'],
  ['7KQ2　M9XD　01HJ　RSTV', 'ideographic spaces'],
  ['7KQ2－M9XD－01HJ－RSTV', 'full-width hyphen-minus'],
  ['7KQ2—M9XD—01HJ—RSTV', 'em dash'],
  ['7KQ2–M9XD–01HJ–RSTV', 'en dash'],
  ['7KQ2‐M9XD‑01HJ−RSTV', 'hyphen, non-breaking hyphen, minus sign'],
  ['7KQ2 - M9XD -- 01HJ - RSTV', 'spaced and doubled dashes'],
  ['７ＫＱ２－Ｍ９ＸＤ－０１ＨＪ－ＲＳＴＶ', 'full-width letters and digits'],
  ['７ｋｑ２ m9xd ０１hj ｒｓｔｖ', 'full-width lower case mixed with ASCII'],
  ['7KQ2M9XDO1HJRSTV', 'O read as 0'],
  ['7KQ2M9XDoIHJRSTV', 'o and I read as 0 and 1'],
  ['7KQ2M9XD0lHJRSTV', 'l read as 1'],
  ['7KQ2M9XD0LHJRSTV', 'L read as 1'],
  ['7KQ2M9XDＯＩHJRSTV', 'full-width O and I'],
  ['7KQ2\u200bM9XD\u00ad01HJ\ufeffRSTV', 'zero-width space, soft hyphen, BOM']
]

t.test('normalisation forgives what people type and paste', async t => {
  for (const [input, why] of TYPED) t.equal(normalizeTrackingCode(input), '7KQ2M9XD01HJRSTV', why)
})

t.test('normalisation refuses what cannot be a code', async t => {
  const refused: Array<[string, string]> = [
    ['', 'empty'],
    ['    ', 'only spaces'],
    ['7KQ2-M9XD-01HJ-RST', '15 symbols'],
    ['7KQ2-M9XD-01HJ-RSTVW', '17 symbols'],
    ['7KQ2-M9XD-01HJ-RSTU', 'U is not a symbol'],
    ['7KQ2-M9XD-01HJ-RSTu', 'nor is u'],
    ['7KQ2_M9XD_01HJ_RSTV', 'underscores are not separators'],
    ['7KQ2.M9XD.01HJ.RSTV', 'dots are not separators'],
    ['7KQ2/M9XD/01HJ/RSTV', 'slashes are not separators'],
    ['7KQ2-M9XD-01HJ-RST!', 'punctuation'],
    ['举报7KQ2M9XD01HJRS', 'Chinese characters'],
    ['7KQ2M9XD01HJRSTÉ', 'accented letter'],
    ['7KQ2M9XD01HJRSTΑ', 'Greek capital alpha, not A'],
    ['7KQ2M9XD01HJRSTА', 'Cyrillic capital a, not A'],
    ['7KQ2M9XD01HJRST٣', 'Arabic-Indic digit'],
    ['7' + ' '.repeat(60) + 'KQ2M9XD01HJRSTV', 'longer than any real input']
  ]
  for (const [input, why] of refused) t.equal(normalizeTrackingCode(input), null, why)
})

t.test('what cannot be a code is described: how many symbols were typed, or that some are not letters and digits', async t => {
  for (const [input] of TYPED) t.same(checkTrackingCode(input), { ok: true, canonical: '7KQ2M9XD01HJRSTV' }, input)
  const cases: Array<[string, ReturnType<typeof checkTrackingCode>]> = [
    ['', { ok: false, problem: 'length', symbols: 0 }],
    ['7KQ2-M9XD-01HJ-RST', { ok: false, problem: 'length', symbols: 15 }],
    ['7kq2 m9xd 01hj rstv w', { ok: false, problem: 'length', symbols: 17 }],
    ['７ＫＱ２－Ｍ９ＸＤ', { ok: false, problem: 'length', symbols: 8 }],
    ['7KQ2-M9XD-01HJ-RSTU', { ok: false, problem: 'characters' }],
    ['7KQ2_M9XD_01HJ_RSTV', { ok: false, problem: 'characters' }],
    ['举报7KQ2M9XD01HJRS', { ok: false, problem: 'characters' }],
    ['7KQ2M9XD01HJRSTÉ', { ok: false, problem: 'characters' }]
  ]
  for (const [input, expected] of cases) t.same(checkTrackingCode(input), expected, JSON.stringify(input))
})

t.test('the input pattern hint lets every typed form through and stops the obvious mistakes', async t => {
  const pattern = new RegExp(`^(?:${TRACKING_CODE_PATTERN})$`, 'v') // how browsers compile `pattern`
  for (const [input, why] of TYPED) t.match(input, pattern, why)
  for (const bad of ['7KQ2-M9XD', '举报编号7KQ2M9XD01HJRSTV', '7KQ2.M9XD.01HJ.RSTV']) t.notMatch(bad, pattern, bad)
})
