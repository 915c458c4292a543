// Decides a batch of IAM requests with @cloud-copilot/iam-simulate (AGPL-3.0,
// a test-time tool). Reads a JSON array of {id, simulation} on stdin and
// prints a JSON array of {id, decision, errors, decidedBy}: one node process
// for a whole access matrix.
import { runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'))

// decisive lists the statements that matched, by policy and Sid.
function decisive(analysis) {
  const out = []
  for (const [kind, a] of Object.entries(analysis ?? {})) {
    if (!a || typeof a !== 'object') continue
    for (const list of ['denyStatements', 'allowStatements']) {
      for (const s of a[list] ?? []) {
        const st = s.statement
        const sid = (typeof st?.sid === 'function' ? st.sid() : st?.Sid) ?? '(no Sid)'
        out.push(`${kind.replace(/Analysis$/, '')}: ${sid} in ${s.policyId ?? 'policy'} (${list === 'denyStatements' ? 'Deny' : 'Allow'})`)
      }
    }
  }
  return out
}

const results = []
for (const { id, simulation } of requests) {
  try {
    const response = await runSimulation(simulation, {})
    if (response.resultType === 'error') {
      results.push({ id, decision: 'Error', errors: response.errors, decidedBy: [] })
    } else {
      const r = response.resultType === 'single' ? response.result : response.results?.[0]
      results.push({ id, decision: response.overallResult, decidedBy: decisive(r?.analysis) })
    }
  } catch (e) {
    results.push({ id, decision: 'Error', errors: String(e), decidedBy: [] })
  }
}
process.stdout.write(JSON.stringify(results))
