import { renderValue } from '../report/html.ts';
for (const v of ['<<script>script>alert(1)<</script>/script>', '<a href="jav&#x09;ascript:alert(1)">click</a>', '<q cite="javascript:alert(1)">q</q>', 'a &lt;b&gt; &#8217; x', 'Tom & Jerry', '<a href="mailto:x@y">m</a>', '<a href="/rel">r</a>', '<noscript><b>x</b></noscript>', '<textarea><b>t</b></textarea>', '1 < 2 && 3 > 2'])
  console.log(JSON.stringify(v), '=>', JSON.stringify(renderValue(v)));
