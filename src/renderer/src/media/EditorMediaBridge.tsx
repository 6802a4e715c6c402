import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { FlowNode } from '../../../shared/graph/graph';
import type { MediaFacts, ValidationContext } from '../../../shared/graph/validate';
import type { ProfileId } from '../../../shared/media/profiles';
import { useApi } from '../api/ApiContext';
import { useFlowActions, useFlowEditor, useFlowStore } from '../editor/store/FlowEditorContext';
import { previewSettings, setPreview } from '../preview/previewSettings';
import { attributeNames, sampleContacts } from '../preview/sampleContacts';
import { announceImports } from './format';
import { useMediaLibrary } from './MediaContext';
import { renditionKey, type MediaLibraryState } from './mediaLibrary';

/**
 * Connects the open flow to the media library (renders nothing):
 * - feeds validation what the library and the contacts know, so missing, oversized or refused
 *   media and unknown Liquid variables show as badges and in the problems list;
 * - makes every MMS card a drop target for files, with one listener for the whole document
 *   rather than one per card (the canvas bench counts every per-card cost).
 */
export function EditorMediaBridge() {
  const editor = useFlowEditor();
  const actions = useFlowActions();
  const library = useMediaLibrary();
  const api = useApi();
  // Null until contacts answered: validating before then would warn about attributes they do have.
  const [importedAttributes, setImportedAttributes] = useState<string[] | null>(null);
  const lookedUp = useStore(previewSettings, (s) => s.lookedUp);
  // The flow's send profile decides the renditions checked here, and the phones show the same.
  const profileId = useFlowStore((s) => s.settings.sendProfileId);
  useEffect(() => setPreview({ profileId }), [profileId]);

  useEffect(() => {
    void library.load();
    // The attribute names imported contacts carry (newest 200): the schema Liquid variables are checked against.
    void api.call('contacts.search', { query: '', limit: 200 }).then((result) => {
      setImportedAttributes(result.ok ? [...new Set(result.value.contacts.flatMap((c) => Object.keys(c.attributes)))] : []);
    });
  }, [library, api]);

  useEffect(() => {
    if (importedAttributes === null) return undefined;
    const contactAttributes = [...new Set([...attributeNames(sampleContacts), ...attributeNames(lookedUp), ...importedAttributes])];
    let lastSignature = '';
    let idle: number | null = null;
    const apply = (): void => {
      const state = library.store.getState();
      if (state.status === 'idle' || state.status === 'loading') return;
      const assetIds = referencedAssets(editor.store.getState().graph.nodes);
      for (const id of assetIds) if (state.byId.has(id)) library.ensureRendition(id, profileId, false);
      const media = state.status === 'ready' ? mediaFacts(state, profileId) : undefined;
      // Revalidate a large flow only when something validation reads has changed.
      const signature = JSON.stringify([state.status, [...assetIds].map((id) => media?.get(id) ?? null)]);
      if (signature === lastSignature) return;
      lastSignature = signature;
      const context: ValidationContext = { contactAttributes, profileId, ...(media ? { media } : {}) };
      // Off the critical path: opening a 1,000-step flow must not wait for this validation.
      if (idle !== null) cancelIdle(idle);
      idle = whenIdle(() => {
        idle = null;
        editor.actions.setValidationContext(context);
      });
    };
    apply();
    const stopMedia = library.store.subscribe((state, previous) => {
      if (state.byId !== previous.byId || state.renditions !== previous.renditions || state.status !== previous.status) apply();
    });
    // A newly attached asset needs its rendition and its facts; the graph itself is revalidated by the store.
    const stopGraph = editor.store.subscribe((state, previous) => {
      if (state.graph.nodes !== previous.graph.nodes && !state.isDragging) apply();
    });
    return () => {
      stopMedia();
      stopGraph();
      if (idle !== null) cancelIdle(idle);
    };
  }, [editor, library, lookedUp, importedAttributes, profileId]);

  useEffect(() => () => editor.actions.setValidationContext(undefined), [editor]);

  useEffect(() => {
    let highlighted: Element | null = null;
    const setHighlight = (element: Element | null): void => {
      if (highlighted === element) return;
      highlighted?.classList.remove('is-file-drop-target');
      element?.classList.add('is-file-drop-target');
      highlighted = element;
    };
    const mmsCardAt = (event: DragEvent): { element: Element; nodeId: string } | null => {
      if (!event.dataTransfer?.types.includes('Files') || !(event.target instanceof Element)) return null;
      const element = event.target.closest('.react-flow__node');
      const nodeId = element?.getAttribute('data-id');
      if (!element || !nodeId) return null;
      const node = editor.store.getState().graph.nodes.find((n) => n.id === nodeId);
      return node?.kind === 'mms' ? { element, nodeId } : null;
    };
    const onDragOver = (event: DragEvent): void => {
      const card = mmsCardAt(event);
      setHighlight(card?.element ?? null);
      if (card && event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onDragLeave = (event: DragEvent): void => {
      if (!event.relatedTarget) setHighlight(null);
    };
    const onDrop = (event: DragEvent): void => {
      const card = mmsCardAt(event);
      setHighlight(null);
      const file = event.dataTransfer?.files[0];
      if (!card || !file) return;
      event.preventDefault();
      void library.importFiles([file]).then((outcomes) => {
        announceImports(outcomes);
        const first = outcomes[0];
        if (!first?.ok) return;
        const assetId = first.value.asset.id;
        actions.updateNode(card.nodeId, (node) => (node.kind === 'mms' ? { ...node, config: { ...node.config, mediaAssetId: assetId } } : node));
        actions.select([card.nodeId]);
      });
    };
    document.addEventListener('dragover', onDragOver);
    document.addEventListener('dragleave', onDragLeave);
    document.addEventListener('drop', onDrop);
    return () => {
      setHighlight(null);
      document.removeEventListener('dragover', onDragOver);
      document.removeEventListener('dragleave', onDragLeave);
      document.removeEventListener('drop', onDrop);
    };
  }, [editor, actions, library]);

  return null;
}

const whenIdle = (run: () => void): number =>
  typeof window.requestIdleCallback === 'function' ? window.requestIdleCallback(run, { timeout: 500 }) : window.setTimeout(run, 50);
const cancelIdle = (handle: number): void => {
  if (typeof window.cancelIdleCallback === 'function') window.cancelIdleCallback(handle);
  else window.clearTimeout(handle);
};

function referencedAssets(nodes: readonly FlowNode[]): Set<string> {
  const ids = new Set<string>();
  for (const node of nodes) if (node.kind === 'mms' && node.config.mediaAssetId) ids.add(node.config.mediaAssetId);
  return ids;
}

function mediaFacts(state: MediaLibraryState, profileId: ProfileId): Map<string, MediaFacts> {
  const facts = new Map<string, MediaFacts>();
  for (const asset of state.assets) {
    const entry = state.renditions.get(renditionKey(asset.id, profileId));
    facts.set(asset.id, {
      name: asset.name,
      kind: asset.kind,
      renditions: entry?.status === 'ready' ? { [profileId]: { bytes: entry.rendition.bytes, mime: entry.rendition.mime } } : {},
      ...(entry?.status === 'error' && entry.error.code.startsWith('MEDIA_') ? { refusals: { [profileId]: entry.error.code } } : {}),
    });
  }
  return facts;
}
