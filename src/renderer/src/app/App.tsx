import { EditorPage } from '../editor/EditorPage';
import { FlowsList } from '../flows/FlowsList';
import { MonitorIcon, MoonIcon, SunIcon } from '../ui/icons';
import { useRoute } from './useRoute';
import { useTheme } from './useTheme';

export function App() {
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
        {route.name === 'flow' ? <EditorPage key={route.flowId} flowId={route.flowId} colorMode={theme.resolved} /> : <FlowsList />}
      </div>
    </div>
  );
}
