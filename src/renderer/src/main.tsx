// The entry is only the boot module: it creates the API client, asks for the flow the window
// opens on and then for React and the app (most of the script, a chunk of its own). Both requests
// go out before 600 kB of script are parsed rather than after, and the flow is usually in when
// React renders for the first time. (The flow first: the chunk brings five more requests with it,
// and a browser opens at most six connections to a host.) The styles stay here: the page links
// them at once.
import { prefetchOpeningFlow } from './app/boot';
import '@xyflow/react/dist/style.css';
import './styles/app.css';

prefetchOpeningFlow();
void import('./app/mount');
