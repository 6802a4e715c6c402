import { compileFlow, type CompiledFlow } from '../flow';
import type { Statements } from '../store';

/** Published versions, each compiled once, and the versions live flows run now. */
export class FlowVersions {
  private readonly compiled = new Map<string, CompiledFlow | null>();
  /** The latest version of every live flow, as of the last refresh (once per tick). */
  live: CompiledFlow[] = [];

  constructor(
    private readonly statements: Statements,
    private readonly reportError: (error: unknown) => void,
  ) {}

  /** A published version, compiled once; null when it cannot run (reported once). */
  get(versionId: string): CompiledFlow | null {
    let compiled = this.compiled.get(versionId);
    if (compiled !== undefined) return compiled;
    const row = this.statements.versionDocument.get(versionId) as { flow_id: string; version: number; document_json: string } | undefined;
    compiled = null;
    if (row) {
      try {
        compiled = compileFlow({ flowId: row.flow_id, versionId, version: row.version }, JSON.parse(row.document_json));
      } catch (error) {
        this.reportError(error);
      }
    }
    this.compiled.set(versionId, compiled);
    return compiled;
  }

  refreshLive(): void {
    const rows = this.statements.liveFlows.all() as Array<{ flow_id: string; version_id: string }>;
    this.live = [];
    for (const row of rows) {
      const flow = this.get(row.version_id);
      if (flow) this.live.push(flow);
    }
  }

  liveFlow(flowId: string): CompiledFlow | undefined {
    return this.live.find((flow) => flow.flowId === flowId);
  }
}
