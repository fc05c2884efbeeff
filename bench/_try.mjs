const file = process.argv[2];
const { default: cases } = await import(file);
const { runCase } = await import("/work/main/bench/lib/runner.mjs");
for (const c of cases) console.log(JSON.stringify(await runCase(c, {quick: process.argv.includes("--quick")}), null, 1));
