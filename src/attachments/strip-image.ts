import sharp from 'sharp'
import { AttachmentError, imageTooLarge, unreadable, unreadableReasons } from './errors.js'

/** HEIF is decoded where the platform can, and written as AVIF, the HEIF flavour sharp can encode. */
const outputFormats = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tiff', heif: 'avif' } as const
type InputFormat = keyof typeof outputFormats

const QUALITY = 90

/**
 * A 249 KB PNG can claim 16000×16000 pixels and take a gigabyte and many seconds to decode:
 * nothing larger than this (all frames together) is decoded. Phones save 12-megapixel photos
 * by default; a full-resolution shot of a 50 MP or larger sensor is refused with a message that
 * says to make it smaller.
 */
export const MAX_IMAGE_PIXELS = 40_000_000

/**
 * Re-encodes the image in its own format without EXIF, GPS, XMP, IPTC, ICC or comments
 * (sharp keeps no metadata unless asked). The EXIF orientation is applied to the pixels first,
 * so photos stay upright; all frames of an animation or pages of a TIFF are kept.
 * Returns the media type of the stored image.
 */
export async function stripImage (input: string, output: string, fileName: string): Promise<string> {
  try {
    // The limit also stops libvips itself, should the header understate what the data holds.
    const image = sharp(input, { animated: true, autoOrient: true, limitInputPixels: MAX_IMAGE_PIXELS })
    const { format, width = 0, height = 0, pageHeight, pages } = await image.metadata()
    // Read from the header alone, before any pixel is decoded.
    if (width * Math.max(height, (pageHeight ?? 0) * (pages ?? 1)) > MAX_IMAGE_PIXELS) throw imageTooLarge(fileName, MAX_IMAGE_PIXELS)
    if (!isInputFormat(format)) throw new Error(`unexpected image format ${format}`)
    const outputFormat = outputFormats[format]
    await image.toFormat(outputFormat, { quality: QUALITY }).toFile(output)
    return `image/${outputFormat}`
  } catch (error) {
    if (error instanceof AttachmentError) throw error
    if (error instanceof Error && /pixel limit/i.test(error.message)) throw imageTooLarge(fileName, MAX_IMAGE_PIXELS, error)
    throw unreadable(fileName, unreadableReasons.image, error)
  }
}

function isInputFormat (format: string): format is InputFormat {
  return Object.hasOwn(outputFormats, format)
}
