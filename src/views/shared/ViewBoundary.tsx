/**
 * Keeps a failing view from taking the whole app down: React unmounts everything above an
 * uncaught render error, which would hide the model and the collection. The failed view says what
 * happened and offers to try again; the rest of the app keeps working.
 */
import { Component, type ReactNode } from 'react';

interface Props {
  /** The view's (or panel's) name, for the message. */
  name: string;
  /** What it is called in the message. */
  kind?: 'view' | 'panel';
  children: ReactNode;
}

export class ViewBoundary extends Component<Props, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="alert alert-error">
        <span role="alert">
          The {this.props.name} {this.props.kind ?? 'view'} failed ({error.message}). Your model and
          collection are safe: try again
          {this.props.kind === 'panel' ? ', or reload the page' : ', or switch to another view'}.
        </span>{' '}
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </div>
    );
  }
}
