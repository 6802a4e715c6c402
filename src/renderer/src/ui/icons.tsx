import type { NodeKind } from '../../../shared/graph/nodes';
import type { JSX, ReactNode } from 'react';

/**
 * Inline SVG icons (24×24 stroke icons): no icon font or network asset, so the strict CSP holds
 * and the app looks the same offline. Icons are decorative; the control around them is named.
 */
export interface IconProps {
  size?: number;
  className?: string;
}

function svg(paths: ReactNode) {
  return function Icon({ size = 16, className }: IconProps) {
    return (
      <svg
        width={size}
        height={size}
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        strokeWidth={2}
        strokeLinecap="round"
        strokeLinejoin="round"
        aria-hidden="true"
        focusable="false"
        className={className}
      >
        {paths}
      </svg>
    );
  };
}

export const BoltIcon = svg(<path d="M13 2 4 14h7l-1 8 9-12h-7l1-8z" />);
export const ClockIcon = svg(
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3 2" />
  </>,
);
export const ImageIcon = svg(
  <>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <circle cx="9" cy="10" r="2" />
    <path d="m21 16-5-5-9 9" />
  </>,
);
export const ChatIcon = svg(<path d="M4 5h16v11H9l-5 4V5z" />);
export const BranchIcon = svg(
  <>
    <circle cx="6" cy="5" r="2" />
    <circle cx="6" cy="19" r="2" />
    <circle cx="18" cy="8" r="2" />
    <path d="M6 7v10M18 10c0 4-6 3-11 7" />
  </>,
);
export const SplitIcon = svg(
  <>
    <path d="M12 3v6M12 9 5 16v5M12 9l7 7v5" />
    <path d="M3 19l2 2 2-2M17 19l2 2 2-2" />
  </>,
);
export const FlagIcon = svg(
  <>
    <path d="M5 21V4" />
    <path d="M5 4h11l-2 4 2 4H5" />
  </>,
);
export const PlusIcon = svg(<path d="M12 5v14M5 12h14" />);
export const SearchIcon = svg(
  <>
    <circle cx="11" cy="11" r="7" />
    <path d="m20 20-4-4" />
  </>,
);
export const TrashIcon = svg(<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />);
export const CopyIcon = svg(
  <>
    <rect x="8" y="8" width="12" height="12" rx="2" />
    <path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3" />
  </>,
);
export const PencilIcon = svg(<path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" />);
export const UndoIcon = svg(<path d="M9 14 4 9l5-5M4 9h10a6 6 0 0 1 0 12h-3" />);
export const RedoIcon = svg(<path d="m15 14 5-5-5-5M20 9H10a6 6 0 0 0 0 12h3" />);
export const LayoutIcon = svg(
  <>
    <rect x="9" y="3" width="6" height="4" rx="1" />
    <rect x="3" y="17" width="6" height="4" rx="1" />
    <rect x="15" y="17" width="6" height="4" rx="1" />
    <path d="M12 7v5M6 17v-5h12v5" />
  </>,
);
export const GridIcon = svg(<path d="M4 4h16v16H4zM4 10h16M4 15h16M10 4v16M15 4v16" />);
export const SunIcon = svg(
  <>
    <circle cx="12" cy="12" r="4" />
    <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
  </>,
);
export const MoonIcon = svg(<path d="M20 14A8 8 0 1 1 10 4a6 6 0 0 0 10 10z" />);
export const MonitorIcon = svg(
  <>
    <rect x="3" y="4" width="18" height="12" rx="2" />
    <path d="M8 20h8M12 16v4" />
  </>,
);
export const KeyboardIcon = svg(
  <>
    <rect x="2" y="6" width="20" height="12" rx="2" />
    <path d="M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10" />
  </>,
);
export const BackIcon = svg(<path d="M15 18 9 12l6-6" />);
export const CheckIcon = svg(<path d="m5 12 5 5 9-10" />);
export const AlertIcon = svg(
  <>
    <path d="M12 3 2 20h20L12 3z" />
    <path d="M12 10v4M12 17h.01" />
  </>,
);
export const ErrorIcon = svg(
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v6M12 16h.01" />
  </>,
);
export const CloseIcon = svg(<path d="M6 6l12 12M18 6 6 18" />);
export const DownloadIcon = svg(<path d="M12 4v12M7 11l5 5 5-5M4 16v4h16v-4" />);
export const UploadIcon = svg(<path d="M12 16V4M7 9l5-5 5 5M4 16v4h16v-4" />);
export const SettingsIcon = svg(
  <>
    <circle cx="12" cy="12" r="3" />
    <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" />
  </>,
);
export const ArrowUpIcon = svg(<path d="M12 19V5M6 11l6-6 6 6" />);
export const ArrowDownIcon = svg(<path d="M12 5v14M6 13l6 6 6-6" />);
export const PublishIcon = svg(<path d="M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z" />);

export type IconComponent = (props: IconProps) => JSX.Element;

export const kindIcons: Record<NodeKind, IconComponent> = {
  trigger: BoltIcon,
  wait: ClockIcon,
  mms: ImageIcon,
  sms: ChatIcon,
  branch: BranchIcon,
  split: SplitIcon,
  exit: FlagIcon,
};
