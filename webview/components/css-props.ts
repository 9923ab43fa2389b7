// Sets inline style properties through the CSSOM (element.style.setProperty). The page's CSP
// refuses style attributes, and lit's styleMap writes the attribute on first render, so bar
// widths and positions go through this element directive instead: <div ${cssProps({left})}>.

import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

type Props = Record<string, string>;

class CssPropsDirective extends Directive {
  private previous = new Set<string>();

  constructor(info: PartInfo) {
    super(info);
    if (info.type !== PartType.ELEMENT) throw new Error('cssProps must be used in element position: <div ${cssProps({...})}>');
  }

  override render(_props: Props): unknown {
    return noChange;
  }

  override update(part: ElementPart, [props]: [Props]): unknown {
    const style = (part.element as HTMLElement).style;
    for (const k of this.previous) if (!(k in props)) style.removeProperty(k);
    for (const [k, v] of Object.entries(props)) style.setProperty(k, v);
    this.previous = new Set(Object.keys(props));
    return noChange;
  }
}

export const cssProps = directive(CssPropsDirective);
