// Shared by the lessons' canvas widgets (put before each script by canvas_script): a
// synced Bytes trait arrives as a DataView, an ArrayBuffer or a typed array.
function asBytes(value) {
  if (!value) return new Uint8Array(0);
  const buffer = value.buffer || value;
  return new Uint8Array(buffer, value.byteOffset || 0, value.byteLength ?? buffer.byteLength);
}

