import sharp from 'sharp'
import { unreadable, unreadableReasons } from './errors.js'

/** HEIF is decoded where the platform can, and written as AVIF, the HEIF flavour sharp can encode. */
const outputFormats = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tiff', heif: 'avif' } as const
type InputFormat = keyof typeof outputFormats

const QUALITY = 90

/**
 * Re-encodes the image in its own format without EXIF, GPS, XMP, IPTC, ICC or comments
 * (sharp keeps no metadata unless asked). The EXIF orientation is applied to the pixels first,
 * so photos stay upright; all frames of an animation or pages of a TIFF are kept.
 * Returns the media type of the stored image.
 */
export async function stripImage (input: string, output: string, fileName: string): Promise<string> {
  try {
    const image = sharp(input, { animated: true, autoOrient: true })
    const { format } = await image.metadata()
    if (!isInputFormat(format)) throw new Error(`unexpected image format ${format}`)
    const outputFormat = outputFormats[format]
    await image.toFormat(outputFormat, { quality: QUALITY }).toFile(output)
    return `image/${outputFormat}`
  } catch (error) {
    throw unreadable(fileName, unreadableReasons.image, error)
  }
}

function isInputFormat (format: string): format is InputFormat {
  return Object.hasOwn(outputFormats, format)
}
