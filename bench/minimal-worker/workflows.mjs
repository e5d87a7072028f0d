// The smallest workflow module: what any Temporal TypeScript worker loads.
export async function hello() {
  return 'hi';
}
