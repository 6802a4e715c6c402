import { lazy, Suspense } from 'react';
import { EditorPage } from '../editor/EditorPage';
import { FlowsList } from '../flows/FlowsList';
import { MediaProvider } from '../media/MediaContext';
import { Toasts } from '../media/Toasts';
import '../styles/media.css';
import '../styles/preview.css';
import { MonitorIcon, MoonIcon, SunIcon } from '../ui/icons';
import { useRoute } from './useRoute';
import { useTheme } from './useTheme';

// Loaded on first visit: phone-number metadata need not slow down opening the canvas.
const ContactsPage = lazy(() => import('../contacts/ContactsPage').then((m) => ({ default: m.ContactsPage })));
const SettingsPage = lazy(() => import('../settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));
const AnalyticsPage = lazy(() => import('../analytics/AnalyticsPage').then((m) => ({ default: m.AnalyticsPage })));
const WorkspaceAnalyticsPage = lazy(() => import('../analytics/WorkspaceAnalyticsPage').then((m) => ({ default: m.WorkspaceAnalyticsPage })));
const SegmentsPage = lazy(() => import('../segments/SegmentsPage').then((m) => ({ default: m.SegmentsPage })));
const MediaLibraryPage = lazy(() => import('../media/MediaLibraryPage').then((m) => ({ default: m.MediaLibraryPage })));

export function App() {
  // The media library is shared by the library page, the editor's node cards and the preview.
  return (
    <MediaProvider>
      <AppShell />
    </MediaProvider>
  );
}

function AppShell() {
  const route = useRoute();
  const theme = useTheme();
  const ThemeIcon = theme.choice === 'system' ? MonitorIcon : theme.choice === 'dark' ? MoonIcon : SunIcon;
  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main-content"
        onClick={(event) => {
          // Routes live in the fragment, so move focus instead of following the link.
          event.preventDefault();
          document.getElementById('main-content')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="app-header">
        <a className="brand" href="#/" aria-label="Postcard, all flows">
          <span className="brand-mark" aria-hidden="true">
            P
          </span>
          Postcard
        </a>
        <nav className="app-nav" aria-label="Sections">
          <a href="#/" className="app-nav-link" aria-current={route.name === 'list' || route.name === 'flow' || route.name === 'analytics' ? 'page' : undefined}>
            Flows
          </a>
          <a href="#/media" className="app-nav-link" aria-current={route.name === 'media' ? 'page' : undefined}>
            Media
          </a>
          <a href="#/analytics" className="app-nav-link" aria-current={route.name === 'workspaceAnalytics' ? 'page' : undefined}>
            Analytics
          </a>
          <a href="#/contacts" className="app-nav-link" aria-current={route.name === 'contacts' ? 'page' : undefined}>
            Contacts
          </a>
          <a href="#/segments" className="app-nav-link" aria-current={route.name === 'segments' ? 'page' : undefined}>
            Segments
          </a>
          <a href="#/settings" className="app-nav-link" aria-current={route.name === 'settings' ? 'page' : undefined}>
            Settings
          </a>
        </nav>
        <button
          type="button"
          className="icon-button"
          aria-label={`Theme: ${theme.choice}. Switch theme`}
          title={`Theme: ${theme.choice}`}
          onClick={theme.cycle}
        >
          <ThemeIcon />
        </button>
      </header>
      <div id="main-content" className="app-content" tabIndex={-1}>
        {route.name === 'flow' ? (
          <EditorPage key={route.flowId} flowId={route.flowId} colorMode={theme.resolved} />
        ) : route.name === 'analytics' ? (
          <Suspense fallback={<p className="page muted">Opening analytics…</p>}>
            <AnalyticsPage key={route.flowId} flowId={route.flowId} />
          </Suspense>
        ) : route.name === 'workspaceAnalytics' ? (
          <Suspense fallback={<p className="page muted">Opening analytics…</p>}>
            <WorkspaceAnalyticsPage />
          </Suspense>
        ) : route.name === 'media' ? (
          <Suspense fallback={<p className="page muted">Opening the media library…</p>}>
            <MediaLibraryPage />
          </Suspense>
        ) : route.name === 'settings' ? (
          <Suspense fallback={<p className="page muted">Opening settings…</p>}>
            <SettingsPage />
          </Suspense>
        ) : route.name === 'segments' ? (
          <Suspense fallback={<p className="page muted">Opening segments…</p>}>
            <SegmentsPage segmentId={route.segmentId} />
          </Suspense>
        ) : route.name === 'contacts' ? (
          <Suspense fallback={<p className="page muted">Opening contacts…</p>}>
            <ContactsPage phone={route.phone} />
          </Suspense>
        ) : (
          <FlowsList />
        )}
      </div>
      <Toasts />
    </div>
  );
}
