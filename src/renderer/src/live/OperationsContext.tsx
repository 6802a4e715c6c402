import { createContext, useContext, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import '../styles/operations.css';
import { createOperationsStore, type OperationsState, type OperationsStore } from './operationsStore';
import { useLiveCounts } from './useLiveCounts';

const OperationsContext = createContext<OperationsStore | null>(null);

/** Holds live counts and the latest dry-run of the open flow; needs the flow editor above it. */
export function OperationsProvider({ children }: { children: ReactNode }) {
  const [store] = useState(createOperationsStore);
  useLiveCounts(store);
  return <OperationsContext.Provider value={store}>{children}</OperationsContext.Provider>;
}

/** The store, or null outside an editor (a card rendered elsewhere simply shows no counts). */
export function useOperationsStoreOrNull(): OperationsStore | null {
  return useContext(OperationsContext);
}

export function useOperationsStore(): OperationsStore {
  const store = useContext(OperationsContext);
  if (!store) throw new Error('This component needs an <OperationsProvider> above it');
  return store;
}

export function useOperations<T>(selector: (state: OperationsState) => T): T {
  return useStore(useOperationsStore(), selector);
}
