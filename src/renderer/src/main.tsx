import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/app.css';
import { ApiProvider } from './api/ApiContext';
import { createApiClient } from './api/client';
import { App } from './app/App';

// The token leaves the address bar before anything renders (see takeTokenFromLocation).
const client = createApiClient(window);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ApiProvider client={client}>
      <App />
    </ApiProvider>
  </StrictMode>,
);
