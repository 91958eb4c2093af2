/**
 * The browser's metadata removal (public/tips/source.js), run in Node: JPEG loses APP1–APP15 and
 * COM segments (and anything after the end of the image), PNG its text, EXIF and time chunks,
 * WebP its EXIF and XMP chunks with their VP8X flags; image data is untouched; unreadable files
 * give null (the page then warns and sends the file as it is).
 */
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { test } from 'node:test';
// @ts-expect-error plain browser JavaScript, no type declarations
import { stripJpeg, stripPng, stripWebp } from '../../public/tips/source.js';

type Strip = (b: Uint8Array) => Uint8Array | null;
const jpeg = stripJpeg as Strip;
const png = stripPng as Strip;
const webp = stripWebp as Strip;

const seg = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);

test('JPEG: EXIF, XMP, ICC and comments are removed, the image data kept', () => {
  const scan = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd3, 0x56]);
  const sos = seg(0xda, Buffer.from([0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]));
  const dqt = seg(0xdb, Buffer.alloc(65, 1));
  const jfif = seg(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'));
  const input = Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jfif,
    seg(0xe1, Buffer.from('Exif\0\0GPS 51.5N SECRET-CAMERA')),
    seg(0xe1, Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Author SECRET</x:xmpmeta>')),
    seg(0xe2, Buffer.from('ICC_PROFILE\0SECRET')),
    seg(0xfe, Buffer.from('SECRET comment')),
    dqt,
    sos,
    scan,
    Buffer.from([0xff, 0xd9]),
    Buffer.from('SECRET trailer after the end of the image'),
  ]);
  const out = Buffer.from(jpeg(input)!);
  assert.ok(!out.includes('SECRET'));
  assert.deepEqual(out, Buffer.concat([Buffer.from([0xff, 0xd8]), jfif, dqt, sos, scan, Buffer.from([0xff, 0xd9])]));
  assert.equal(jpeg(Buffer.from('not a jpeg')), null);
  assert.equal(jpeg(input.subarray(0, 40)), null, 'cut short');
});

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}

test('PNG: tEXt, zTXt, iTXt, eXIf and tIME chunks are removed', () => {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = chunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
  const idat = chunk('IDAT', deflateSync(Buffer.from([0, 0])));
  const iend = chunk('IEND', Buffer.alloc(0));
  const input = Buffer.concat([
    sig,
    ihdr,
    chunk('tEXt', Buffer.from('Author\0SECRET')),
    chunk('zTXt', Buffer.from('Comment\0\0SECRET')),
    chunk('iTXt', Buffer.from('XML:com.adobe.xmp\0\0\0\0\0SECRET')),
    chunk('eXIf', Buffer.from('MM\0*SECRET')),
    chunk('tIME', Buffer.from([7, 234, 12, 3, 8, 0, 0])),
    idat,
    iend,
  ]);
  const out = Buffer.from(png(input)!);
  assert.ok(!out.includes('SECRET') && !out.includes('tIME'));
  assert.deepEqual(out, Buffer.concat([sig, ihdr, idat, iend]));
  assert.equal(png(input.subarray(0, 30)), null);
});

test('WebP: EXIF and XMP chunks and their flags are removed, the RIFF size fixed', () => {
  const riffChunk = (type: string, data: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(data.length);
    return Buffer.concat([Buffer.from(type, 'latin1'), size, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x08 | 0x04;
  const image = riffChunk('VP8L', Buffer.from([0x2f, 0, 0, 0, 0]));
  const body = Buffer.concat([Buffer.from('WEBP'), riffChunk('VP8X', vp8x), image, riffChunk('EXIF', Buffer.from('SECRET exif')), riffChunk('XMP ', Buffer.from('SECRET xmp'))]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  const out = Buffer.from(webp(Buffer.concat([Buffer.from('RIFF'), size, body]))!);
  assert.ok(!out.includes('SECRET'));
  assert.equal(out.readUInt32LE(4), out.length - 8);
  assert.equal(out[20]! & 0x0c, 0, 'EXIF and XMP flags cleared');
  assert.ok(out.includes(image));
  assert.equal(webp(Buffer.from('RIFF\0\0\0\0WAVE')), null);
});
