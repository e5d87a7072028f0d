import { writeZipAtomically } from './zipdbg.ts';
console.log(await writeZipAtomically('/tmp/rt/z.zip', [{ name: 'a.txt', content: () => ['hi'] }]));
