import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { openStaging } from '../report/staging.ts';
import { buildExportZip } from '../report/build.ts';
const dir = mkdtempSync(join(tmpdir(), 'smoke-'));
const s = openStaging(join(dir, 's.sqlite'));
s.writePage(0, 1, [
  { group_id: 'user', group_label: 'User', group_description: 'User&#8217;s profile data.', item_id: 'u1', data: [{ name: 'Name', value: 'A & B <script>alert(1)</script>' }, { name: 'URL', value: 'https://x.example/?a=1&b=2' }] },
  { group_id: 'c', group_label: 'Comments', item_id: 'c1', data: [{ name: 'n', value: 1 }] },
  { group_id: 'c', group_label: 'Comments', item_id: 'c2', data: [{ name: 'n', value: true }, { name: 'z', value: null }] },
]);
for (let i = 0; i < 7; i++) s.writePage(1, i, [{ group_id: 'big', group_label: 'Big', item_id: 'b' + i, data: [{ name: 'i', value: i }] }]);
s.close();
const r = await buildExportZip({ stagingPath: join(dir, 's.sqlite'), zipPath: join(dir, 'out.zip'), email: 'a@b.example', siteName: 'Site', siteUrl: 'https://site.example', generatedAt: new Date(), groupPageSize: 3 });
console.log(r);
console.log(execSync(`cd ${dir} && ls -la && unzip -o out.zip >/dev/null && find . -type f | sort && cat export.json && cat index.html && cat groups/big-big-3.html`).toString());
