import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { FlowGraph } from '../../../shared/graph/graph';
import { useFlowStore } from '../editor/store/FlowEditorContext';
import { Dialog } from '../ui/Dialog';
import { CloseIcon } from '../ui/icons';
import { fallbackSmsOf, messageNodes, splitNodes, variantMessages, type MessageNode } from './flowMessages';
import { deviceLabel } from './PhoneFrame';
import { AppearanceToggle, ContactPicker, DeviceToggle, ProfilePicker } from './PreviewControls';
import { closeFullPreview, previewDialogState } from './previewDialogState';
import { useContact, usePreviewSettings, type Device } from './previewSettings';
import { ReceivedMms, ReceivedSms, SmsFacts } from './ReceivedMessage';
import { SizeMeter } from './SizeMeter';

type Mode = 'devices' | 'fallback' | 'variants';
const modeLabels: Record<Mode, string> = { devices: 'iPhone and Android', fallback: 'MMS vs SMS fallback', variants: 'A/B variants' };

const stepName = (node: MessageNode): string => `${node.label?.trim() || node.kind.toUpperCase()} (${node.kind.toUpperCase()})`;

/** The full preview of the open flow, opened from the toolbar or an inspector. */
export function PreviewDialog() {
  const graph = useFlowStore((s) => s.graph);
  const initialNodeId = useStore(previewDialogState, (s) => s.nodeId);
  const messages = useMemo(() => messageNodes(graph), [graph]);
  const splits = useMemo(() => splitNodes(graph), [graph]);
  const [messageId, setMessageId] = useState<string | null>(() => {
    const initial = messages.find((m) => m.id === initialNodeId) ?? messages.find((m) => m.kind === 'mms') ?? messages[0];
    return initial?.id ?? null;
  });
  const [mode, setMode] = useState<Mode>(() => (graph.nodes.find((n) => n.id === initialNodeId)?.kind === 'split' ? 'variants' : 'devices'));
  const [splitId, setSplitId] = useState<string | null>(() => splits.find((s) => s.id === initialNodeId)?.id ?? splits[0]?.id ?? null);
  const message = messages.find((m) => m.id === messageId) ?? null;
  const messageSelectId = useId();
  const splitSelectId = useId();

  return (
    <Dialog title="Preview" onClose={closeFullPreview} className="preview-dialog">
      <button type="button" className="icon-button preview-close" aria-label="Close preview" onClick={closeFullPreview}>
        <CloseIcon />
      </button>
      <div className="preview-toolbar">
        <div className="segmented" role="group" aria-label="Compare">
          {(Object.keys(modeLabels) as Mode[]).map((value) => (
            <button key={value} type="button" aria-pressed={mode === value} onClick={() => setMode(value)}>
              {modeLabels[value]}
            </button>
          ))}
        </div>
        {mode === 'variants' ? (
          <div className="preview-control is-inline">
            <label htmlFor={splitSelectId}>Split</label>
            <select id={splitSelectId} className="input select" value={splitId ?? ''} onChange={(e) => setSplitId(e.target.value || null)}>
              {splits.length === 0 ? <option value="">No A/B split in this flow</option> : null}
              {splits.map((split) => (
                <option key={split.id} value={split.id}>
                  {split.label?.trim() || 'A/B split'}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <div className="preview-control is-inline">
            <label htmlFor={messageSelectId}>Message</label>
            <select id={messageSelectId} className="input select" value={messageId ?? ''} onChange={(e) => setMessageId(e.target.value || null)}>
              {messages.length === 0 ? <option value="">No message steps yet</option> : null}
              {messages.map((node) => (
                <option key={node.id} value={node.id}>
                  {stepName(node)}
                </option>
              ))}
            </select>
          </div>
        )}
        <span className="preview-toolbar-spacer" />
        {mode !== 'devices' ? <DeviceToggle /> : null}
        <AppearanceToggle />
      </div>
      <div className="preview-body">
        <aside className="preview-sidebar">
          <ContactPicker canLookUp />
          <ProfilePicker />
          <Facts mode={mode} message={message} graph={graph} />
        </aside>
        <Stage>
          {mode === 'devices' ? <DevicesStage message={message} /> : null}
          {mode === 'fallback' ? <FallbackStage message={message} graph={graph} /> : null}
          {mode === 'variants' ? <VariantsStage splitId={splitId} graph={graph} /> : null}
        </Stage>
      </div>
    </Dialog>
  );
}

function Facts({ mode, message, graph }: { mode: Mode; message: MessageNode | null; graph: FlowGraph }) {
  const contact = useContact();
  const profileId = usePreviewSettings((s) => s.profileId);
  if (!message || mode === 'variants') return null;
  const fallback = message.kind === 'mms' ? fallbackSmsOf(graph, message.id) : null;
  return (
    <>
      {message.kind === 'mms' && message.config.mediaAssetId ? (
        <section className="preview-facts">
          <h3>Size meter</h3>
          <SizeMeter assetId={message.config.mediaAssetId} profileId={profileId} />
        </section>
      ) : null}
      {message.kind === 'sms' ? (
        <section className="preview-facts">
          <h3>SMS</h3>
          <SmsFacts body={message.config.body} contact={contact} />
        </section>
      ) : null}
      {fallback ? (
        <section className="preview-facts">
          <h3>SMS fallback</h3>
          <SmsFacts body={fallback.config.body} contact={contact} />
        </section>
      ) : null}
    </>
  );
}

/** A column's natural size: the widest phone with its bezel, and a phone's height with the column title. */
const COLUMN_WIDTH = 436;
const COLUMN_HEIGHT = 930;
const COLUMN_GAP = 28;

/** Lays phones out side by side, zoomed down together when the window is too small for them. */
function Stage({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [zoom, setZoom] = useState(1);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const fit = (): void => {
      const columns = Math.max(1, element.querySelectorAll('.preview-column').length);
      const width = columns * COLUMN_WIDTH + (columns - 1) * COLUMN_GAP;
      const next = Math.min(1, (element.clientWidth - 32) / width, (element.clientHeight - 24) / COLUMN_HEIGHT);
      // Zoom keeps each phone's layout (390 or 412 px wide) and only scales the picture.
      setZoom(Math.max(0.4, Math.round(next * 100) / 100));
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(element);
    const mutations = new MutationObserver(fit);
    mutations.observe(element, { childList: true, subtree: true });
    return () => {
      observer.disconnect();
      mutations.disconnect();
    };
  }, []);
  return (
    <div className="preview-stage" ref={ref}>
      <div className="preview-zoom" style={{ zoom }}>
        {children}
      </div>
    </div>
  );
}

function Column({ title, note, children }: { title: string; note?: string; children: ReactNode }) {
  return (
    <div className="preview-column">
      <div className="preview-column-title">
        <strong>{title}</strong>
        {note ? <span>{note}</span> : null}
      </div>
      {children}
    </div>
  );
}

function Received({ message, device, label }: { message: MessageNode; device: Device; label?: string }) {
  const appearance = usePreviewSettings((s) => s.appearance);
  const profileId = usePreviewSettings((s) => s.profileId);
  const contact = useContact();
  return message.kind === 'mms' ? (
    <ReceivedMms config={message.config} profileId={profileId} device={device} appearance={appearance} contact={contact} label={label} />
  ) : (
    <ReceivedSms body={message.config.body} device={device} appearance={appearance} contact={contact} label={label} />
  );
}

function Empty({ children }: { children: ReactNode }) {
  return <p className="preview-empty">{children}</p>;
}

function DevicesStage({ message }: { message: MessageNode | null }) {
  if (!message) return <Empty>Add an MMS or SMS step to see it on a phone.</Empty>;
  return (
    <div className="preview-row">
      {(['iphone', 'android'] as Device[]).map((device) => (
        <Column key={device} title={deviceLabel[device]} note={device === 'iphone' ? 'Messages, 390 px' : 'Google Messages, 412 px'}>
          <Received message={message} device={device} />
        </Column>
      ))}
    </div>
  );
}

function FallbackStage({ message, graph }: { message: MessageNode | null; graph: FlowGraph }) {
  const device = usePreviewSettings((s) => s.device);
  if (message?.kind !== 'mms') return <Empty>Choose an MMS step to compare it with its SMS fallback.</Empty>;
  const fallback = fallbackSmsOf(graph, message.id);
  return (
    <div className="preview-row">
      <Column title="MMS" note="Phones that take MMS">
        <Received message={message} device={device} />
      </Column>
      <Column title="SMS fallback" note="Phones without MMS, or when MMS fails">
        {fallback ? (
          <Received message={fallback} device={device} label={`SMS fallback on ${deviceLabel[device]}`} />
        ) : (
          <Empty>This MMS has no SMS on its fallback path: contacts without MMS get nothing.</Empty>
        )}
      </Column>
    </div>
  );
}

function VariantsStage({ splitId, graph }: { splitId: string | null; graph: FlowGraph }) {
  const device = usePreviewSettings((s) => s.device);
  const variants = splitId ? variantMessages(graph, splitId) : [];
  if (variants.length === 0) return <Empty>Add an A/B split step to compare its variants.</Empty>;
  return (
    <div className="preview-row">
      {variants.map(({ variant, message }) => (
        <Column key={variant.id} title={`Variant ${variant.label || variant.id}`} note={`${variant.weight} %${variant.isHoldout ? ' · holdout' : ''}`}>
          {variant.isHoldout ? (
            <Empty>Holdout: these contacts get no message and form the control group.</Empty>
          ) : message ? (
            <Received message={message} device={device} label={`Variant ${variant.label || variant.id} on ${deviceLabel[device]}`} />
          ) : (
            <Empty>No message follows this variant yet.</Empty>
          )}
        </Column>
      ))}
    </div>
  );
}
