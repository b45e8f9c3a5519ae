/**
 * A JPEG's bytes without its metadata segments, losslessly: APP1–APP13 and APP15 (EXIF with GPS,
 * XMP, IPTC, ICC, maker notes) and comments are dropped; APP0 (JFIF) and APP14 (Adobe, which says
 * how the colours are stored) are kept, as is everything needed to decode the image.
 * Undefined when the bytes are not a JPEG this walk understands.
 */
export function withoutJpegMetadata (jpeg: Uint8Array): Uint8Array | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined
  const kept: Uint8Array[] = [jpeg.subarray(0, 2)]
  let at = 2
  while (at < jpeg.length) {
    if (jpeg[at] !== 0xff) return undefined
    const marker = jpeg[at + 1]
    if (marker === undefined) return undefined
    if (marker === 0xff) { at += 1; continue } // fill byte
    if (marker === 0xd9) { kept.push(jpeg.subarray(at, at + 2)); return concat(kept) } // end of image
    if (at + 4 > jpeg.length) return undefined
    const end = at + 2 + ((jpeg[at + 2]! << 8) | jpeg[at + 3]!)
    if (end > jpeg.length) return undefined
    const isMetadata = (marker >= 0xe1 && marker <= 0xef && marker !== 0xee) || marker === 0xfe
    if (marker === 0xda) {
      // A scan: its entropy-coded data runs to the next marker that is not a stuffed byte or a restart.
      let next = end
      while (next + 1 < jpeg.length && !(jpeg[next] === 0xff && jpeg[next + 1] !== 0 && !(jpeg[next + 1]! >= 0xd0 && jpeg[next + 1]! <= 0xd7))) next += 1
      if (next + 1 >= jpeg.length) return undefined
      kept.push(jpeg.subarray(at, next))
      at = next
      continue
    }
    if (!isMetadata) kept.push(jpeg.subarray(at, end))
    at = end
  }
  return undefined
}

function concat (parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts)
}
