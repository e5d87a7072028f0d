import { ZipArchive } from 'archiver';
import { Readable, Transform } from 'node:stream';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
const a = new ZipArchive({});
a.on('entry', (d) => console.log('entry', d.name));
const f = await open('/tmp/rt/z3.zip', 'w');
const tap = new Transform({ transform(chunk, _e, cb) { cb(null, chunk); } });
const w = pipeline(a, tap, f.createWriteStream({ autoClose: false }));
w.then(() => console.log('written'), (e) => console.log('werr', e));
function* g() { yield Buffer.from('hi'); }
const src = Readable.from(g(), { objectMode: false });
src.on('error', (e) => console.log('srcerr', e));
a.append(src, { name: 'x.txt', date: new Date() });
setTimeout(() => console.log('timeout', a.pointer()), 1000);
