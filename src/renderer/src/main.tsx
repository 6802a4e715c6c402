// The entry is only the boot module: it creates the API client and starts the request for the
// flow the window opens on. React and the app (most of the script) come in a chunk loaded right
// after, so that request goes out before 600 kB of script are parsed rather than after, and the
// flow is usually in when React renders for the first time. The styles stay here: the page links
// them at once.
import './app/boot';
import '@xyflow/react/dist/style.css';
import './styles/app.css';

void import('./app/mount');
