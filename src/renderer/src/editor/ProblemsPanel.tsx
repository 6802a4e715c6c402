import { useReactFlow } from '@xyflow/react';
import { useState } from 'react';
import type { FlowIssue } from '../../../shared/graph/validate';
import { AlertIcon, CheckIcon, ErrorIcon } from '../ui/icons';
import { useFlowActions, useFlowEditor, useFlowStore } from './store/FlowEditorContext';

/**
 * A very broken 1,000-step flow can have thousands of issues: the list starts with the first
 * 20 (each row is a button with an icon: hundreds of them slowed opening such a flow; the panel
 * shows about six at a time) and grows on request.
 */
const LISTED_STEP = 20;

/**
 * Every validation issue in one list; choosing one selects its step and brings it into view. An
 * issue with a fix (compliance: opt-out wording, brand, quiet hours, HELP answer) has a button
 * beside it that makes the change.
 */
export function ProblemsPanel() {
  const validation = useFlowStore((s) => s.validation);
  const { store } = useFlowEditor();
  const actions = useFlowActions();
  const { setCenter, getZoom, getInternalNode } = useReactFlow();
  const [isOpen, setIsOpen] = useState(true);
  const [listed, setListed] = useState(LISTED_STEP);
  const errors = validation.issues.filter((i) => i.severity === 'error').length;
  const warnings = validation.issues.length - errors;

  const reveal = (issue: FlowIssue): void => {
    const state = store.getState();
    const edge = issue.edgeId ? state.graph.edges.find((e) => e.id === issue.edgeId) : undefined;
    const nodeId = issue.nodeId ?? edge?.source;
    const node = nodeId ? state.graph.nodes.find((n) => n.id === nodeId) : undefined;
    if (!node) return;
    actions.select([node.id], edge ? [edge.id] : []);
    const size = state.measured.get(node.id) ?? { width: 240, height: 100 };
    const zoom = Math.max(getZoom(), 1);
    void setCenter(node.position.x + size.width / 2, node.position.y + size.height / 2, { zoom, duration: 300 }).then(() => {
      // Zoomed in, a compact card became a full one, taller: once it is measured, centre what is drawn.
      window.requestAnimationFrame(() =>
        window.requestAnimationFrame(() => {
          const now = getInternalNode(node.id)?.measured;
          if (now?.height && now.width && now.height !== size.height) {
            void setCenter(node.position.x + now.width / 2, node.position.y + now.height / 2, { zoom, duration: 150 });
          }
        }),
      );
    });
  };

  // The fix changes the document (one undo step); the step it touched is shown as for a click.
  const applyFix = (issue: FlowIssue): void => {
    if (!issue.fix) return;
    actions.applyFix(issue.fix);
    if (issue.nodeId) reveal(issue);
  };

  const summary =
    validation.issues.length === 0
      ? 'No problems'
      : [errors ? `${errors} ${errors === 1 ? 'error' : 'errors'}` : '', warnings ? `${warnings} ${warnings === 1 ? 'warning' : 'warnings'}` : '']
          .filter(Boolean)
          .join(', ');

  return (
    <section className={`problems${isOpen ? ' is-open' : ''}`} aria-labelledby="problems-title">
      <header className="problems-header">
        <button type="button" className="problems-toggle" aria-expanded={isOpen} aria-controls="problems-list" onClick={() => setIsOpen((v) => !v)}>
          <h2 id="problems-title" className="panel-title">
            Problems
          </h2>
          <span className={`problems-summary${errors ? ' is-error' : warnings ? ' is-warning' : ' is-ok'}`}>{summary}</span>
        </button>
      </header>
      {isOpen ? (
        validation.issues.length === 0 ? (
          <p id="problems-list" className="problems-empty">
            <CheckIcon /> Nothing to fix. The flow is ready to publish.
          </p>
        ) : (
          <ul id="problems-list" className="problems-list" aria-label="Problems">
            {validation.issues.slice(0, listed).map((issue, index) => (
              <li key={`${issue.code}:${issue.nodeId ?? ''}:${issue.edgeId ?? ''}:${issue.port ?? ''}:${index}`} className={issue.fix ? 'has-fix' : undefined}>
                <button
                  type="button"
                  className={`problem is-${issue.severity}`}
                  onClick={() => reveal(issue)}
                  disabled={!issue.nodeId && !issue.edgeId}
                >
                  {issue.severity === 'error' ? <ErrorIcon /> : <AlertIcon />}
                  <span className="visually-hidden">{issue.severity === 'error' ? 'Error:' : 'Warning:'}</span>
                  <span className="problem-message">{issue.message}</span>
                  <code className="problem-code">{issue.code}</code>
                </button>
                {issue.fix ? (
                  <button type="button" className="button button-small problem-fix" onClick={() => applyFix(issue)} title={`Fix: ${issue.fix.label}`}>
                    {issue.fix.label}
                  </button>
                ) : null}
              </li>
            ))}
            {validation.issues.length > listed ? (
              <li className="problems-more">
                <span>
                  …and {validation.issues.length - listed} more. Fix the ones above first; the list updates as you go.
                </span>
                <button type="button" className="button button-small button-ghost" onClick={() => setListed((n) => n + LISTED_STEP * 4)}>
                  Show {Math.min(LISTED_STEP * 4, validation.issues.length - listed)} more
                </button>
              </li>
            ) : null}
          </ul>
        )
      ) : null}
    </section>
  );
}
