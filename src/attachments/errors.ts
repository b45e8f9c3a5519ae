export type AttachmentErrorCode =
  | 'too_many_files'
  | 'file_too_large'
  | 'total_too_large'
  | 'type_not_allowed'
  | 'empty_file'
  | 'unreadable'
  | 'cannot_clean'
  | 'image_too_large'
  | 'unpacked_too_large'

export interface BilingualMessage { zh: string, en: string }

const statusCodes = {
  too_many_files: 413,
  file_too_large: 413,
  total_too_large: 413,
  type_not_allowed: 415,
  // We cannot strip what we cannot parse, so the content is refused as a format we do not take.
  unreadable: 415,
  // Accepting it would keep its metadata (the tool that removes it is missing, or there is none).
  cannot_clean: 415,
  empty_file: 400,
  // Decompression bombs: small files that would take far more room or time to process than they seem to.
  image_too_large: 413,
  unpacked_too_large: 413
} as const satisfies Record<AttachmentErrorCode, number>

/** A rejected upload, with a message fit to show to the person who sent it (zh-CN first, English). */
export class AttachmentError extends Error {
  readonly statusCode: 400 | 413 | 415

  constructor (readonly code: AttachmentErrorCode, readonly messages: BilingualMessage, readonly fileName: string, options?: ErrorOptions) {
    super(messages.en, options)
    this.name = 'AttachmentError'
    this.statusCode = statusCodes[code]
  }
}

export function formatSize (bytes: number): string {
  if (bytes >= 2 ** 20) return `${round1(bytes / 2 ** 20)} MB`
  if (bytes >= 2 ** 10) return `${round1(bytes / 2 ** 10)} KB`
  return `${bytes} B`
}

function round1 (n: number): number {
  return Math.round(n * 10) / 10
}

export function tooManyFiles (fileName: string, maxFiles: number): AttachmentError {
  return new AttachmentError('too_many_files', {
    zh: `每次最多上传 ${maxFiles} 个附件，“${fileName}”未能上传。`,
    en: `At most ${maxFiles} attachments can be uploaded at once; "${fileName}" was not accepted.`
  }, fileName)
}

export function fileTooLarge (fileName: string, maxFileBytes: number): AttachmentError {
  return new AttachmentError('file_too_large', {
    zh: `附件“${fileName}”超过了单个文件 ${formatSize(maxFileBytes)} 的上限。`,
    en: `"${fileName}" is larger than the limit of ${formatSize(maxFileBytes)} per file.`
  }, fileName)
}

export function totalTooLarge (fileName: string, maxTotalBytes: number): AttachmentError {
  return new AttachmentError('total_too_large', {
    zh: `附件合计超过了 ${formatSize(maxTotalBytes)} 的上限，“${fileName}”未能上传。`,
    en: `The attachments together exceed the limit of ${formatSize(maxTotalBytes)}; "${fileName}" was not accepted.`
  }, fileName)
}

export function typeNotAllowed (fileName: string): AttachmentError {
  return new AttachmentError('type_not_allowed', {
    zh: `不支持附件“${fileName}”的文件类型。可以上传图片、PDF、Office 文档、音频、视频或纯文本文件。`,
    en: `"${fileName}" is not a supported type of file. You can upload images, PDF, office documents, audio, video or plain text.`
  }, fileName)
}

export function emptyFile (fileName: string): AttachmentError {
  return new AttachmentError('empty_file', {
    zh: `附件“${fileName}”是空文件。`,
    en: `"${fileName}" is empty.`
  }, fileName)
}

/** What a type is called in a refusal. */
export const typeNames = {
  pdf: { zh: 'PDF 文件', en: 'PDF file' },
  office: { zh: 'Office 文档', en: 'office document' },
  media: { zh: '音频或视频文件', en: 'audio or video file' }
} as const satisfies Record<string, BilingualMessage>

/** A type of file we would take if the tool that cleans it were installed. */
export function cannotClean (fileName: string, typeName: BilingualMessage): AttachmentError {
  return new AttachmentError('cannot_clean', {
    zh: `附件“${fileName}”（${typeName.zh}）：该类型文件目前无法去除元数据，暂不接收。可将内容截图为 JPEG 或 PNG 图片上传，或在正文中描述。`,
    en: `"${fileName}" (${typeName.en}): metadata cannot be removed from this type of file at present, so it is not accepted. You can upload screenshots as JPEG or PNG images instead, or describe the content in your report.`
  }, fileName)
}

/** Word, Excel and PowerPoint 97–2003 files keep authors and editors in places no tool we use cleans. */
export function legacyOffice (fileName: string): AttachmentError {
  return new AttachmentError('cannot_clean', {
    zh: `附件“${fileName}”是旧版 Office 格式（.doc、.xls 或 .ppt），其中的作者等元数据目前无法去除，暂不接收。请另存为 .docx、.xlsx、.pptx 或 PDF 后重新上传。`,
    en: `"${fileName}" is in an old Office format (.doc, .xls or .ppt) whose author and other metadata cannot be removed at present, so it is not accepted. Please save it as .docx, .xlsx, .pptx or PDF and upload it again.`
  }, fileName)
}

export function imageTooLarge (fileName: string, maxPixels: number, cause?: unknown): AttachmentError {
  return new AttachmentError('image_too_large', {
    zh: `无法处理附件“${fileName}”：图片尺寸过大（超过 ${Math.floor(maxPixels / 10_000)} 万像素）。请缩小图片尺寸或截图后重新上传。`,
    en: `"${fileName}" could not be processed: the image is too large (more than ${Math.floor(maxPixels / 1_000_000)} million pixels). Please make it smaller, or take a screenshot of it, and upload it again.`
  }, fileName, { cause })
}

export function unpackedTooLarge (fileName: string, maxUnpackedBytes: number, cause?: unknown): AttachmentError {
  return new AttachmentError('unpacked_too_large', {
    zh: `无法处理附件“${fileName}”：文档解压后过大（超过 ${formatSize(maxUnpackedBytes)}），或压缩比例异常。请另存为 PDF，或拆分后重新上传。`,
    en: `"${fileName}" could not be processed: the document unpacks to more than ${formatSize(maxUnpackedBytes)}, or is compressed far more than documents are. Please save it as PDF, or split it, and upload it again.`
  }, fileName, { cause })
}

/** Why a file of an allowed type could not be processed, completing "… could not be processed: ". */
export const unreadableReasons = {
  image: {
    zh: '图片已损坏，或是本系统无法解码的格式（如 HEIC）。请转换为 JPEG 或 PNG 后重新上传。',
    en: 'the image is damaged or in a format this system cannot decode (such as HEIC). Please convert it to JPEG or PNG and upload it again.'
  },
  encryptedPdf: {
    zh: 'PDF 已加密或设有密码。请上传未加密的版本。',
    en: 'the PDF is encrypted or password-protected. Please upload a copy without encryption.'
  },
  pdfImage: {
    zh: 'PDF 中含有本系统无法去除元数据的图像（如 JPEG 2000）。请将各页另存为 JPEG 或 PNG 图片后上传。',
    en: 'the PDF holds images whose metadata this system cannot remove (such as JPEG 2000). Please save its pages as JPEG or PNG images and upload those.'
  },
  cleaning: {
    zh: '无法去除其中的元数据：文件可能已损坏，或含有无法清理的嵌入内容。请另存为 PDF、JPEG 或 PNG（音视频请转换为 MP4 或 MP3）后重新上传。',
    en: 'its metadata could not be removed: the file may be damaged or hold embedded content that cannot be cleaned. Please save it as PDF, JPEG or PNG (audio and video as MP4 or MP3) and upload it again.'
  },
  pdf: {
    zh: 'PDF 已损坏或无法解析。',
    en: 'the PDF is damaged or cannot be parsed.'
  },
  encryptedOffice: {
    zh: '文档设有密码。请上传未加密的版本。',
    en: 'the document is password-protected. Please upload a copy without a password.'
  },
  office: {
    zh: '文档已损坏或无法解析。',
    en: 'the document is damaged or cannot be parsed.'
  }
} as const satisfies Record<string, BilingualMessage>

/** `cause` keeps the parser's own error for the log. */
export function unreadable (fileName: string, reason: BilingualMessage, cause?: unknown): AttachmentError {
  return new AttachmentError('unreadable', {
    zh: `无法处理附件“${fileName}”：${reason.zh}`,
    en: `"${fileName}" could not be processed: ${reason.en}`
  }, fileName, { cause })
}
